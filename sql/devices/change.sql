-- DEVICE_STATEMENTS.change in src/devices/devices.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH credentials_revoked AS (
  UPDATE device_credential SET revoked_at = now()
  WHERE device_id = $1 AND $4::text = 'decommissioned' AND revoked_at IS NULL
),
changed AS (
  UPDATE device SET
    label = CASE WHEN $2 THEN $3 ELSE label END,
    reporting_interval_s = CASE WHEN $5 THEN $6 ELSE reporting_interval_s END,
    decommissioned_at = CASE $4::text
      WHEN 'decommissioned' THEN coalesce(decommissioned_at, now())
      WHEN 'active' THEN NULL
      ELSE decommissioned_at END
  WHERE id = $1
  RETURNING *
)
SELECT d.id, d.kind, d.label, d.reporting_interval_s AS "reportingIntervalSeconds",
       d.created_at AS "createdAt", d.decommissioned_at AS "decommissionedAt",
       coalesce(m.updated_at, v.updated_at) AS "lastSeenAt",
       ARRAY(
         SELECT 'register-' || e.register_event FROM (
           SELECT DISTINCT register_event FROM meter_history
           WHERE d.kind = 'meter' AND meter_id = d.id AND register_event IS NOT NULL AND ts > now() - interval '1 day'
           UNION
           SELECT DISTINCT register_event FROM vehicle_history
           WHERE d.kind = 'vehicle' AND vehicle_id = d.id AND register_event IS NOT NULL AND ts > now() - interval '1 day'
         ) e ORDER BY 1
       ) AS "dataQuality"
FROM changed d
LEFT JOIN meter_live m ON d.kind = 'meter' AND m.meter_id = d.id
LEFT JOIN vehicle_live v ON d.kind = 'vehicle' AND v.vehicle_id = d.id
