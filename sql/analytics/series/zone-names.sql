-- SERIES_STATEMENTS.zoneNames in src/analytics/series.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT name FROM pg_timezone_names
