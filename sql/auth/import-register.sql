-- IMPORT_STATEMENTS.register in src/auth/device-import.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
INSERT INTO device (id, kind, label, reporting_interval_s)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[]) ORDER BY 1
ON CONFLICT (id) DO NOTHING
RETURNING id
