-- CREDENTIAL_STATEMENTS.revoke in src/auth/device-credentials.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH revoked AS (
  UPDATE device_credential SET revoked_at = now() WHERE id = $1 AND device_id = $2 AND revoked_at IS NULL
  RETURNING id, device_id AS "deviceId", created_at AS "createdAt", expires_at AS "expiresAt",
  revoked_at AS "revokedAt"
)
SELECT * FROM revoked
UNION ALL
SELECT id, device_id AS "deviceId", created_at AS "createdAt", expires_at AS "expiresAt",
revoked_at AS "revokedAt" FROM device_credential WHERE id = $1 AND device_id = $2 AND NOT EXISTS (SELECT FROM revoked)
