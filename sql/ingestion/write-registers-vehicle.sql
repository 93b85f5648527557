-- WRITE_REGISTER_STATEMENTS.vehicle in src/ingestion/ingestion.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::text[], $9::int4[]) WITH ORDINALITY AS input(vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, kwh_register_dc, register_base, register_event, bridged, position)
), inserted AS (
  INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, kwh_register_dc, register_base, register_event, bridged)
  SELECT vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, kwh_register_dc, register_base, register_event, bridged FROM input
  ON CONFLICT (vehicle_id, ts) DO NOTHING
  RETURNING vehicle_id, ts, soc, kwh_delivered_dc, battery_temp
), newest AS (
  INSERT INTO vehicle_live (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
  SELECT DISTINCT ON (vehicle_id) vehicle_id, ts, soc, kwh_delivered_dc, battery_temp FROM inserted ORDER BY vehicle_id, ts DESC
  ON CONFLICT (vehicle_id) DO UPDATE SET ts = EXCLUDED.ts, soc = EXCLUDED.soc, kwh_delivered_dc = EXCLUDED.kwh_delivered_dc, battery_temp = EXCLUDED.battery_temp, updated_at = now()
  WHERE vehicle_live.ts < EXCLUDED.ts
)
SELECT input.position::int4 AS position, (SELECT followed_until > now() FROM stream_follow) AS followed
FROM inserted JOIN input USING (vehicle_id, ts)
