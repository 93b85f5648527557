-- STREAM_STATEMENTS.holdIngestion in src/stream/stream.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
LOCK TABLE meter_history, vehicle_history IN SHARE MODE
