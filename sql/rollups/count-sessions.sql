-- SEAL_STATEMENTS.countSessions in src/analytics/rollup-seal.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH counted AS (
  UPDATE charging_session
  SET kwh_ac_micro = meter_kwh_micro(meter_id, started_at, ended_at),
      kwh_dc_micro = vehicle_kwh_micro(vehicle_id, started_at, ended_at)
  WHERE (id, vehicle_id) IN (
    SELECT id, vehicle_id FROM charging_session
    WHERE ended_at IS NOT NULL AND (kwh_ac_micro IS NULL OR kwh_dc_micro IS NULL)
    ORDER BY started_at LIMIT $1 FOR UPDATE SKIP LOCKED
  )
  RETURNING 1
)
SELECT count(*)::int AS sessions FROM counted
