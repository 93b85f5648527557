-- CREDENTIAL_USE_STATEMENTS.lastUse in src/auth/credential-use.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT id, last_used_at AS "lastUsedAt" FROM credential_use WHERE id = ANY($1::uuid[])
