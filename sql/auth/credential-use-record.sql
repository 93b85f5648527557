-- CREDENTIAL_USE_STATEMENTS.record in src/auth/credential-use.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
INSERT INTO credential_use (id, last_used_at)
SELECT id, used FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, used) ORDER BY id
ON CONFLICT (id) DO UPDATE SET last_used_at = greatest(credential_use.last_used_at, excluded.last_used_at)
