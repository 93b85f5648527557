-- RETENTION_STATEMENTS.vehicle.lock in src/partitions/retention.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
LOCK TABLE vehicle_history_default IN SHARE ROW EXCLUSIVE MODE
