-- sealAdvance in src/analytics/rollup.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE rollup_seal SET sealed_until = $1 WHERE sealed_until < $1 RETURNING sealed_until
