-- TABLE_STATEMENTS.meter.lock in src/analytics/rollup-tables.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
LOCK TABLE meter_history IN SHARE MODE
