-- DEVICE_STATEMENTS.find in src/devices/devices.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
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
FROM device d
LEFT JOIN meter_live m ON d.kind = 'meter' AND m.meter_id = d.id
LEFT JOIN vehicle_live v ON d.kind = 'vehicle' AND v.vehicle_id = d.id
WHERE d.id = $1
