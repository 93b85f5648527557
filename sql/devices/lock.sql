-- DEVICE_STATEMENTS.lock in src/devices/devices.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT FROM device WHERE id = $1 FOR UPDATE
