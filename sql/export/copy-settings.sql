-- EXPORT_STATEMENTS.copySettings in src/export/export.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT set_config('statement_timeout', $1, true), set_config('extra_float_digits', '1', true)
