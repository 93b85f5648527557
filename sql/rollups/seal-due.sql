-- SEAL_STATEMENTS.sealDue in src/analytics/rollup-seal.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT hours_until,
       hours_until < $1 OR days_until < $2
       OR EXISTS (SELECT 1 FROM charging_session WHERE ended_at IS NOT NULL AND (kwh_ac_micro IS NULL OR kwh_dc_micro IS NULL))
       AS due
FROM rollup_seal
