-- CREDENTIAL_STATEMENTS.lockDevice in src/auth/device-credentials.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT decommissioned_at IS NOT NULL AS retired FROM device WHERE id = $1 FOR UPDATE
