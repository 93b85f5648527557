-- EXPORT_STATEMENTS.vehicleCopy in src/export/export.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
COPY (
  SELECT vehicle_id AS "vehicleId", to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "timestamp", soc AS "soc", kwh_delivered_dc AS "kwhDeliveredDc", kwh_register_dc AS "kwhRegisterDc", register_event AS "registerEvent", battery_temp AS "batteryTemp"
  FROM vehicle_history
  WHERE vehicle_id = 'VEHICLE-001' AND ts > timestamptz '2026-12-01T00:00:00.000Z' AND ts <= timestamptz '2026-12-02T00:00:00.000Z'
  ORDER BY ts
) TO STDOUT WITH (FORMAT csv, HEADER)
