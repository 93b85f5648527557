-- IMPORT_STATEMENTS.makeRoom in src/auth/device-import.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE device_credential SET revoked_at = now() WHERE id IN (
  SELECT id FROM (
    SELECT id, row_number() OVER (PARTITION BY device_id ORDER BY created_at DESC, id DESC) AS newer
    FROM device_credential WHERE device_id = ANY($1::text[]) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
  ) live WHERE newer > 1
)
