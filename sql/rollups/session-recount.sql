-- SESSION_STATEMENTS.sessionRecount in src/analytics/rollup-seal.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH recounted AS (
  UPDATE charging_session
  SET kwh_ac_micro = meter_kwh_micro(meter_id, started_at, ended_at),
      kwh_dc_micro = vehicle_kwh_micro(vehicle_id, started_at, ended_at)
  WHERE ended_at IS NOT NULL AND started_at >= $1 AND started_at < $1::timestamptz + interval '1 day'
  RETURNING 1
)
SELECT count(*)::int AS sessions FROM recounted
