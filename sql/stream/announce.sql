-- STREAM_STATEMENTS.announce in src/stream/stream.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT pg_notify('fleet_stream', $1)
