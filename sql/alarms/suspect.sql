-- ALARM_STATEMENTS.suspect in src/alarms/alarms.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE alarm SET suspect = $2, suspect_id = $3, suspect_reason = $4
WHERE id = $1 AND state <> 'cleared' AND (suspect, suspect_id, suspect_reason) IS DISTINCT FROM ($2, $3, $4)
