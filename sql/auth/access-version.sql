-- AUTH_STATEMENTS.accessVersion in src/auth/auth.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT (SELECT version::text FROM access_version) AS version
