-- EXPORT_STATEMENTS.meterCopy in src/export/export.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
COPY (
  SELECT meter_id AS "meterId", to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "timestamp", kwh_consumed_ac AS "kwhConsumedAc", kwh_register_ac AS "kwhRegisterAc", register_event AS "registerEvent", voltage AS "voltage"
  FROM meter_history
  WHERE meter_id = 'METER-001' AND ts > timestamptz '2026-12-01T00:00:00.000Z' AND ts <= timestamptz '2026-12-02T00:00:00.000Z'
  ORDER BY ts
) TO STDOUT WITH (FORMAT csv, HEADER)
