-- SESSION_STATEMENTS.sessionDays in src/analytics/rollup-seal.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT DISTINCT date_trunc('day', started_at, 'UTC') AS day FROM charging_session
WHERE ended_at IS NOT NULL ORDER BY day
