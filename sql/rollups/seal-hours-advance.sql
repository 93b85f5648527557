-- SEAL_STATEMENTS.sealHoursAdvance in src/analytics/rollup-seal.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE rollup_seal SET hours_until = $1
