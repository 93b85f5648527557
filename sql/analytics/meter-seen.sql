-- METER_EFFICIENCY_STATEMENTS.meterSeen in src/analytics/meter-efficiency.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT EXISTS (SELECT 1 FROM meter_live WHERE meter_id = $1)
    OR EXISTS (SELECT 1 FROM meter_history WHERE meter_id = $1) AS seen
