-- STREAM_STATEMENTS.followState in src/stream/stream.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT followed_until > clock_timestamp() AS following FROM stream_follow FOR UPDATE
