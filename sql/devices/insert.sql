-- DEVICE_STATEMENTS.insert in src/devices/devices.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH inserted AS (
  INSERT INTO device (id, kind, label, reporting_interval_s) VALUES ($1, $2, $3, $4)
  ON CONFLICT (id) DO NOTHING RETURNING *
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
FROM inserted d
LEFT JOIN meter_live m ON d.kind = 'meter' AND m.meter_id = d.id
LEFT JOIN vehicle_live v ON d.kind = 'vehicle' AND v.vehicle_id = d.id
