-- ALARM_STATEMENTS.acknowledge in src/alarms/alarms.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH acknowledged AS (
  UPDATE alarm SET state = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2, acknowledge_note = $3
  WHERE id = $1 AND state = 'active'
  RETURNING *
), change AS (
  INSERT INTO alarm_change (alarm_id, change, at, by, note)
  SELECT id, 'acknowledged', acknowledged_at, $2, $3 FROM acknowledged RETURNING id
)
SELECT a.id, a.type, a.subject_kind, a.subject_id, a.state, a.summary, a.details, a.suspect, a.suspect_id,
  a.suspect_reason, a.raised_at, a.acknowledged_at, a.acknowledged_by, a.acknowledge_note, a.cleared_at,
  to_char(a.raised_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position, change.id AS change_id FROM acknowledged a, change
