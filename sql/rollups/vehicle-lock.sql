-- TABLE_STATEMENTS.vehicle.lock in src/analytics/rollup-tables.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
LOCK TABLE vehicle_history IN SHARE MODE
