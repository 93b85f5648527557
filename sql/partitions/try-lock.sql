-- PARTITION_STATEMENTS.tryLock in src/partitions/partition.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT pg_try_advisory_lock(hashtext('fleet-platform:partitions:' || $1)) AS locked
