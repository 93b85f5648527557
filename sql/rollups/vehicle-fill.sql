-- TABLE_STATEMENTS.vehicle.fill in src/analytics/rollup-tables.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH filled AS (
  INSERT INTO vehicle_rollup_hourly (vehicle_id, hour, readings, kwh_micro, bridged, soc_min, soc_max, soc_sum, battery_temp_min, battery_temp_max, battery_temp_sum, first_ts, last_ts)
  SELECT vehicle_id, date_trunc('hour', ts - interval '1 microsecond', 'UTC'), count(*), sum((kwh_delivered_dc * 1000000)::bigint)::bigint, sum(bridged)::bigint, min(soc), max(soc), sum(soc::numeric), min(battery_temp), max(battery_temp), sum(battery_temp::numeric), min(ts), max(ts)
  FROM vehicle_history
  WHERE ts > $1 AND ts <= least($1::timestamptz + interval '1 day', (SELECT hours_until FROM rollup_seal))
  GROUP BY 1, 2 ORDER BY 1, 2
  RETURNING 1
)
SELECT count(*)::int AS rows FROM filled
