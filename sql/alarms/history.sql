-- ALARM_STATEMENTS.history in src/alarms/alarms.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT change, at, by, note FROM alarm_change WHERE alarm_id = $1 ORDER BY at, array_position(ARRAY['raised', 'acknowledged', 'cleared'], change)
