-- TABLE_STATEMENTS.meter.refillDays in src/analytics/rollup-tables.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
INSERT INTO meter_rollup_daily (meter_id, day, readings, kwh_micro, bridged, voltage_min, voltage_max, voltage_sum, first_ts, last_ts)
SELECT d.device, d.day, sum(readings)::bigint, sum(kwh_micro)::bigint, sum(bridged)::bigint, min(voltage_min), max(voltage_max), sum(voltage_sum), min(first_ts), max(last_ts)
FROM unnest($1::text[], $2::timestamptz[]) AS d(device, day)
JOIN meter_rollup_hourly r ON r.meter_id = d.device AND r.hour >= d.day AND r.hour < d.day + interval '1 day'
GROUP BY 1, 2 ORDER BY 1, 2
