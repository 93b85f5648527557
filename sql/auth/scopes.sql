-- AUTH_STATEMENTS.scopes in src/auth/auth.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT key_id AS "keyId", array_agg(device_id ORDER BY device_id) AS devices
FROM api_key_device GROUP BY key_id
