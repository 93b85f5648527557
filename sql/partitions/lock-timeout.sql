-- lockTimeout in src/partitions/partition.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT set_config('lock_timeout', $1, true)
