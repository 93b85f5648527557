-- CHARGING_SESSION_STATEMENTS.setEnd in src/charging-sessions/charging-sessions.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE charging_session SET ended_at = $3 WHERE id = $1 AND vehicle_id = $2 RETURNING id, vehicle_id AS "vehicleId", meter_id AS "meterId", started_at AS "startedAt", ended_at AS "endedAt", created_at AS "createdAt"
