-- SESSION_STATEMENTS.sessionStatistics in src/analytics/rollup-seal.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
ANALYZE meter_history, vehicle_history, meter_rollup_hourly, vehicle_rollup_hourly, charging_session
