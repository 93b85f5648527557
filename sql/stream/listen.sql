-- STREAM_STATEMENTS.listen in src/stream/stream.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
LISTEN fleet_stream
