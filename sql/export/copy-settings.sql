-- copySettings in src/export/export.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT pg_backend_pid() AS pid, set_config('statement_timeout', $1, true), set_config('extra_float_digits', '1', true),
       set_config('fleet_export.device', $2, true), set_config('fleet_export.after', $3, true),
       set_config('fleet_export.until', $4, true)
