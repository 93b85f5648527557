-- IMPORT_STATEMENTS.issue in src/auth/device-import.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
INSERT INTO device_credential (device_id, token_hash)
SELECT * FROM unnest($1::text[], $2::bytea[])
RETURNING id, device_id AS "deviceId", created_at AS "createdAt", expires_at AS "expiresAt",
revoked_at AS "revokedAt"
