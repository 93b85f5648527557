-- ALARM_STATEMENTS.openByType in src/alarms/alarms.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT type, count(*)::int AS open FROM alarm WHERE state <> 'cleared' GROUP BY type
