-- ANALYTICS_STATEMENTS.vehicleSeen in src/analytics/analytics.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT EXISTS (SELECT 1 FROM vehicle_live WHERE vehicle_id = $1)
    OR EXISTS (SELECT 1 FROM vehicle_history WHERE vehicle_id = $1) AS seen
