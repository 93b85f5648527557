-- STREAM_STATEMENTS.followFor in src/stream/stream.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE stream_follow SET followed_until = clock_timestamp() + $1 * interval '1 millisecond'
