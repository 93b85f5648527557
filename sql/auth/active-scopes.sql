-- AUTH_STATEMENTS.activeScopes in src/auth/auth.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT s.key_id AS "keyId", s.device_id AS "deviceId", d.kind
FROM api_key_device s JOIN api_key k ON k.id = s.key_id JOIN device d ON d.id = s.device_id
WHERE k.revoked_at IS NULL AND d.decommissioned_at IS NULL
