-- TABLE_STATEMENTS.meter.days in src/analytics/rollup-tables.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH RECURSIVE history_days(day) AS (
  SELECT date_trunc('day', min(ts) - interval '1 microsecond', 'UTC') FROM meter_history
  UNION ALL
  SELECT (SELECT date_trunc('day', min(ts) - interval '1 microsecond', 'UTC') FROM meter_history
          WHERE ts > history_days.day + interval '1 day')
  FROM history_days WHERE history_days.day IS NOT NULL
)
SELECT day FROM history_days WHERE day IS NOT NULL
UNION
SELECT DISTINCT date_trunc('day', hour, 'UTC') FROM meter_rollup_hourly
ORDER BY day
