-- SEAL_STATEMENTS.sealClaim in src/analytics/rollup-seal.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT 1 FROM rollup_seal FOR UPDATE SKIP LOCKED
