-- CREDENTIAL_STATEMENTS.list in src/auth/device-credentials.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT id, device_id AS "deviceId", created_at AS "createdAt", expires_at AS "expiresAt",
revoked_at AS "revokedAt" FROM device_credential WHERE device_id = $1 ORDER BY created_at, id
