-- RETENTION_STATEMENTS.vehicle.lockRollup in src/partitions/retention.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
LOCK TABLE vehicle_rollup_hourly IN ACCESS SHARE MODE
