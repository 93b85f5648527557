-- CREDENTIAL_STATEMENTS.live in src/auth/device-credentials.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT c.id, c.device_id AS "deviceId", d.kind, c.token_hash AS "tokenHash", c.expires_at AS "expiresAt"
FROM device_credential c JOIN device d ON d.id = c.device_id
WHERE c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now()) AND d.decommissioned_at IS NULL
