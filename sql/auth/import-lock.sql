-- IMPORT_STATEMENTS.lock in src/auth/device-import.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT id, kind, decommissioned_at IS NOT NULL AS retired FROM device
WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE
