-- CHARGING_SESSION_STATEMENTS.list in src/charging-sessions/charging-sessions.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT id, vehicle_id AS "vehicleId", meter_id AS "meterId", started_at AS "startedAt", ended_at AS "endedAt", created_at AS "createdAt" FROM charging_session
WHERE ($1::text IS NULL OR vehicle_id = $1) AND ($4::text IS NULL OR meter_id = $4)
  AND tstzrange(started_at, ended_at) && tstzrange($2, $3, '[]')
ORDER BY started_at, id
