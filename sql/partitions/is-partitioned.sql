-- PARTITION_STATEMENTS.isPartitioned in src/partitions/partition.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT 1 FROM pg_partitioned_table WHERE partrelid = $1::regclass
