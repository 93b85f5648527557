-- sealDue in src/analytics/rollup.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT hours_until < $1 OR days_until < $2 AS due FROM rollup_seal
