-- SEAL_STATEMENTS.sessionLock in src/analytics/rollup-seal.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
LOCK TABLE meter_rollup_hourly, vehicle_rollup_hourly IN ACCESS SHARE MODE
