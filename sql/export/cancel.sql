-- cancel in src/export/export.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT pg_cancel_backend($1)
