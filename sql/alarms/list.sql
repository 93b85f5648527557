-- ALARM_STATEMENTS.list in src/alarms/alarms.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT a.id, a.type, a.subject_kind, a.subject_id, a.state, a.summary, a.details, a.suspect, a.suspect_id,
  a.suspect_reason, a.raised_at, a.acknowledged_at, a.acknowledged_by, a.acknowledge_note, a.cleared_at,
  to_char(a.raised_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position FROM alarm a
WHERE state = ANY ($1) AND ($2::text IS NULL OR type = $2) AND ($3::text IS NULL OR subject_id = $3)
  AND ($4::timestamptz IS NULL OR (raised_at, id) < ($4, $5::uuid))
ORDER BY raised_at DESC, id DESC
LIMIT $6
