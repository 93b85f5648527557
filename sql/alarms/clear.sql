-- ALARM_STATEMENTS.clear in src/alarms/alarms.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH cleared AS (
  UPDATE alarm SET state = 'cleared', cleared_at = now() WHERE id = $1 AND state <> 'cleared' RETURNING *
), change AS (
  INSERT INTO alarm_change (alarm_id, change, at, note) SELECT id, 'cleared', cleared_at, $2 FROM cleared RETURNING id
)
SELECT a.id, a.type, a.subject_kind, a.subject_id, a.state, a.summary, a.details, a.suspect, a.suspect_id,
  a.suspect_reason, a.raised_at, a.acknowledged_at, a.acknowledged_by, a.acknowledge_note, a.cleared_at,
  to_char(a.raised_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position, change.id AS change_id FROM cleared a, change
