-- CREDENTIAL_STATEMENTS.liveCount in src/auth/device-credentials.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT count(*)::int AS live FROM device_credential WHERE device_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
