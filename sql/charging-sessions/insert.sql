-- CHARGING_SESSION_STATEMENTS.insert in src/charging-sessions/charging-sessions.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
VALUES ($1, $2, $3, $4)
RETURNING id, vehicle_id AS "vehicleId", meter_id AS "meterId", started_at AS "startedAt", ended_at AS "endedAt", created_at AS "createdAt"
