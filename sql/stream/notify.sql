-- STREAM_STATEMENTS.notify in src/stream/stream.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT pg_notify('fleet_stream', payload)
FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit, unnest($1::text[]) AS payload
