-- RETENTION_STATEMENTS.meter.lock in src/partitions/retention.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
LOCK TABLE meter_history_default IN SHARE ROW EXCLUSIVE MODE
