-- TABLE_STATEMENTS.vehicle.refillDays in src/analytics/rollup-tables.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
INSERT INTO vehicle_rollup_daily (vehicle_id, day, readings, kwh_micro, bridged, soc_min, soc_max, soc_sum, battery_temp_min, battery_temp_max, battery_temp_sum, first_ts, last_ts)
SELECT d.device, d.day, sum(readings)::bigint, sum(kwh_micro)::bigint, sum(bridged)::bigint, min(soc_min), max(soc_max), sum(soc_sum), min(battery_temp_min), max(battery_temp_max), sum(battery_temp_sum), min(first_ts), max(last_ts)
FROM unnest($1::text[], $2::timestamptz[]) AS d(device, day)
JOIN vehicle_rollup_hourly r ON r.vehicle_id = d.device AND r.hour >= d.day AND r.hour < d.day + interval '1 day'
GROUP BY 1, 2 ORDER BY 1, 2
