-- CONDITION_STATEMENTS.silent in src/alarms/alarm-conditions.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT l.kind, l.id, l.ts AS "lastReadingAt", a.after_s AS "silentAfterSeconds"
FROM (
  SELECT 'meter' AS kind, meter_id AS id, ts FROM meter_live
  UNION ALL
  SELECT 'vehicle', vehicle_id, ts FROM vehicle_live
) l
LEFT JOIN device d ON d.id = l.id
CROSS JOIN LATERAL (SELECT greatest($1, 2 * coalesce(d.reporting_interval_s, $2)) AS after_s) a
WHERE d.decommissioned_at IS NULL AND l.ts < now() - a.after_s * interval '1 second'
