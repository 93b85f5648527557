-- sealDue in src/analytics/rollup.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT sealed_until < $1 AS due FROM rollup_seal
