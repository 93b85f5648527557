-- AUTH_STATEMENTS.scope in src/auth/auth.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
INSERT INTO api_key_device (key_id, device_id)
SELECT $1, id FROM device WHERE id = ANY($2::text[]) AND decommissioned_at IS NULL
RETURNING device_id AS "deviceId"
