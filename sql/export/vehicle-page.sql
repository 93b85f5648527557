-- EXPORT_STATEMENTS.vehiclePage in src/export/export.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT vehicle_id AS "vehicleId", to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "timestamp", soc AS "soc", kwh_delivered_dc AS "kwhDeliveredDc", kwh_register_dc AS "kwhRegisterDc", register_event AS "registerEvent", battery_temp AS "batteryTemp"
FROM vehicle_history
WHERE vehicle_id = $1 AND ts > $2 AND ts <= $3
ORDER BY ts
LIMIT $4
