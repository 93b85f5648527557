-- TABLE_STATEMENTS.vehicle.sealDays in src/analytics/rollup-tables.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
INSERT INTO vehicle_rollup_daily (vehicle_id, day, readings, kwh_micro, bridged, soc_min, soc_max, soc_sum, battery_temp_min, battery_temp_max, battery_temp_sum, first_ts, last_ts)
SELECT vehicle_id, date_trunc('day', hour, 'UTC'), sum(readings)::bigint, sum(kwh_micro)::bigint, sum(bridged)::bigint, min(soc_min), max(soc_max), sum(soc_sum), min(battery_temp_min), max(battery_temp_max), sum(battery_temp_sum), min(first_ts), max(last_ts)
FROM vehicle_rollup_hourly
WHERE hour >= (SELECT days_until FROM rollup_seal) AND hour < $1
GROUP BY 1, 2 ORDER BY 1, 2
