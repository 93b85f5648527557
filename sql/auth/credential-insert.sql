-- CREDENTIAL_STATEMENTS.insert in src/auth/device-credentials.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
INSERT INTO device_credential (device_id, token_hash, expires_at) VALUES ($1, $2, $3)
RETURNING id, device_id AS "deviceId", created_at AS "createdAt", expires_at AS "expiresAt",
revoked_at AS "revokedAt"
