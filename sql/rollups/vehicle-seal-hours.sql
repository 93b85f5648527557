-- TABLE_STATEMENTS.vehicle.sealHours in src/analytics/rollup-tables.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
INSERT INTO vehicle_rollup_hourly (vehicle_id, hour, readings, kwh_micro, bridged, soc_min, soc_max, soc_sum, battery_temp_min, battery_temp_max, battery_temp_sum, first_ts, last_ts)
SELECT vehicle_id, date_trunc('hour', ts - interval '1 microsecond', 'UTC'), count(*), sum((kwh_delivered_dc * 1000000)::bigint)::bigint, sum(bridged)::bigint, min(soc), max(soc), sum(soc::numeric), min(battery_temp), max(battery_temp), sum(battery_temp::numeric), min(ts), max(ts)
FROM vehicle_history
WHERE ts > (SELECT hours_until FROM rollup_seal) AND ts <= $1
GROUP BY 1, 2 ORDER BY 1, 2
