-- PARTITION_STATEMENTS.unlock in src/partitions/partition.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT pg_advisory_unlock(hashtext('fleet-platform:partitions:' || $1))
