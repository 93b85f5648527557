-- lockTimeout in src/partitions/partition.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SET LOCAL lock_timeout = '5s'
