-- HEALTH_STATEMENTS.ping in src/health/health.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT 1
