-- meterCopy in src/export/export.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
COPY (
  SELECT meter_id AS "meterId", to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "timestamp", kwh_consumed_ac AS "kwhConsumedAc", voltage AS "voltage"
  FROM meter_history
  WHERE meter_id = current_setting('fleet_export.device') AND ts > current_setting('fleet_export.after')::timestamptz AND ts <= current_setting('fleet_export.until')::timestamptz
  ORDER BY ts
) TO STDOUT WITH (FORMAT csv, HEADER)
