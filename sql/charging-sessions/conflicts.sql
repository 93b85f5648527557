-- CHARGING_SESSION_STATEMENTS.conflicts in src/charging-sessions/charging-sessions.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT id, vehicle_id = $1 AS "sameVehicle", meter_id = $2 AS "sameMeter" FROM charging_session
WHERE (vehicle_id = $1 OR meter_id = $2) AND tstzrange(started_at, ended_at) && tstzrange($3, $4)
  AND id IS DISTINCT FROM $5
ORDER BY started_at, id
