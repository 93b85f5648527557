-- TABLE_STATEMENTS.meter.fill in src/analytics/rollup-tables.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH filled AS (
  INSERT INTO meter_rollup_hourly (meter_id, hour, readings, kwh_micro, bridged, voltage_min, voltage_max, voltage_sum, first_ts, last_ts)
  SELECT meter_id, date_trunc('hour', ts - interval '1 microsecond', 'UTC'), count(*), sum((kwh_consumed_ac * 1000000)::bigint)::bigint, sum(bridged)::bigint, min(voltage), max(voltage), sum(voltage::numeric), min(ts), max(ts)
  FROM meter_history
  WHERE ts > $1 AND ts <= least($1::timestamptz + interval '1 day', (SELECT hours_until FROM rollup_seal))
  GROUP BY 1, 2 ORDER BY 1, 2
  RETURNING 1
)
SELECT count(*)::int AS rows FROM filled
