-- TABLE_STATEMENTS.meter.fillDay in src/analytics/rollup-tables.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
INSERT INTO meter_rollup_daily (meter_id, day, readings, kwh_micro, bridged, voltage_min, voltage_max, voltage_sum, first_ts, last_ts)
SELECT meter_id, date_trunc('day', hour, 'UTC'), sum(readings)::bigint, sum(kwh_micro)::bigint, sum(bridged)::bigint, min(voltage_min), max(voltage_max), sum(voltage_sum), min(first_ts), max(last_ts)
FROM meter_rollup_hourly
WHERE hour >= $1 AND hour < least($1::timestamptz + interval '1 day', (SELECT days_until FROM rollup_seal))
GROUP BY 1, 2 ORDER BY 1, 2
