-- CHARGING_SESSION_STATEMENTS.findById in src/charging-sessions/charging-sessions.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT id, vehicle_id AS "vehicleId", meter_id AS "meterId", started_at AS "startedAt", ended_at AS "endedAt", created_at AS "createdAt" FROM charging_session WHERE id = $1
