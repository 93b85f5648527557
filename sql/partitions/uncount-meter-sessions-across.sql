-- PARTITION_STATEMENTS.uncountMeterSessionsAcross in src/partitions/partition.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE charging_session SET kwh_ac_micro = NULL
WHERE tstzrange(started_at, ended_at) @> $1::timestamptz AND started_at < $1 AND kwh_ac_micro IS NOT NULL
