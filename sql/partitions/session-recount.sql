-- sessionRecount in src/partitions/partition.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE charging_session
SET kwh_ac_micro = CASE WHEN started_at >= $1 AND ended_at < $2 THEN 0 END,
    kwh_dc_micro = CASE WHEN started_at >= $1 AND ended_at < $2 THEN 0 END
WHERE ended_at IS NOT NULL AND ended_at > $1 AND started_at < $2::timestamptz + interval '1 hour'
