-- vehicleLock in src/analytics/rollup.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
LOCK TABLE vehicle_history IN SHARE MODE
