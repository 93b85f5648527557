-- TABLE_STATEMENTS.meter.clear in src/analytics/rollup-tables.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH cleared AS (
  DELETE FROM meter_rollup_hourly WHERE hour >= $1 AND hour < $1::timestamptz + interval '1 day' RETURNING 1
)
SELECT count(*)::int AS rows FROM cleared
