-- AUTH_STATEMENTS.registry in src/auth/auth.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT id, kind, decommissioned_at IS NOT NULL AS retired FROM device
