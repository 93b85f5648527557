-- TABLE_STATEMENTS.meter.clearDay in src/analytics/rollup-tables.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
DELETE FROM meter_rollup_daily WHERE day = $1
