-- ALARM_STATEMENTS.raise in src/alarms/alarms.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH raised AS (
  INSERT INTO alarm (type, subject_kind, subject_id, summary, details, suspect, suspect_id, suspect_reason)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ON CONFLICT (subject_kind, subject_id, type) WHERE state <> 'cleared' DO NOTHING
  RETURNING *
), change AS (
  INSERT INTO alarm_change (alarm_id, change, at) SELECT id, 'raised', raised_at FROM raised RETURNING id
)
SELECT a.id, a.type, a.subject_kind, a.subject_id, a.state, a.summary, a.details, a.suspect, a.suspect_id,
  a.suspect_reason, a.raised_at, a.acknowledged_at, a.acknowledged_by, a.acknowledge_note, a.cleared_at,
  to_char(a.raised_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position, change.id AS change_id FROM raised a, change
