-- EXPORT_STATEMENTS.meterPage in src/export/export.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT meter_id AS "meterId", to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "timestamp", kwh_consumed_ac AS "kwhConsumedAc", kwh_register_ac AS "kwhRegisterAc", register_event AS "registerEvent", voltage AS "voltage"
FROM meter_history
WHERE meter_id = $1 AND ts > $2 AND ts <= $3
ORDER BY ts
LIMIT $4
