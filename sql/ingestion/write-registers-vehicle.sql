-- WRITE_REGISTER_STATEMENTS.vehicle in src/ingestion/ingestion.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::text[], $9::int4[], $10::timestamptz[]) WITH ORDINALITY AS input(vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, kwh_register_dc, register_base, register_event, bridged, gap_from, position)
), inserted AS (
  INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, kwh_register_dc, register_base, register_event, bridged, gap_from)
  SELECT vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, kwh_register_dc, register_base, register_event, bridged, gap_from FROM input
  ON CONFLICT (vehicle_id, ts) DO NOTHING
  RETURNING vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, kwh_register_dc, register_base, register_event, bridged, gap_from
), newest AS (
  INSERT INTO vehicle_live (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, register_ts, kwh_register_dc, register_base)
  SELECT n.*, r.ts, r.kwh_register_dc, r.register_base
  FROM (SELECT DISTINCT ON (vehicle_id) vehicle_id, ts, soc, kwh_delivered_dc, battery_temp FROM inserted ORDER BY vehicle_id, ts DESC) n
  LEFT JOIN (
    SELECT DISTINCT ON (vehicle_id) vehicle_id, ts, kwh_register_dc, register_base FROM inserted
    WHERE kwh_register_dc IS NOT NULL ORDER BY vehicle_id, ts DESC
  ) r USING (vehicle_id)
  ORDER BY vehicle_id
  ON CONFLICT (vehicle_id) DO UPDATE SET
    ts = CASE WHEN vehicle_live.ts < EXCLUDED.ts THEN EXCLUDED.ts ELSE vehicle_live.ts END,
    soc = CASE WHEN vehicle_live.ts < EXCLUDED.ts THEN EXCLUDED.soc ELSE vehicle_live.soc END,
    kwh_delivered_dc = CASE WHEN vehicle_live.ts < EXCLUDED.ts THEN EXCLUDED.kwh_delivered_dc ELSE vehicle_live.kwh_delivered_dc END,
    battery_temp = CASE WHEN vehicle_live.ts < EXCLUDED.ts THEN EXCLUDED.battery_temp ELSE vehicle_live.battery_temp END,
    register_ts = CASE WHEN coalesce(vehicle_live.register_ts, '-infinity') < EXCLUDED.register_ts THEN EXCLUDED.register_ts ELSE vehicle_live.register_ts END,
    kwh_register_dc = CASE WHEN coalesce(vehicle_live.register_ts, '-infinity') < EXCLUDED.register_ts THEN EXCLUDED.kwh_register_dc ELSE vehicle_live.kwh_register_dc END,
    register_base = CASE WHEN coalesce(vehicle_live.register_ts, '-infinity') < EXCLUDED.register_ts THEN EXCLUDED.register_base ELSE vehicle_live.register_base END,
    updated_at = CASE WHEN vehicle_live.ts < EXCLUDED.ts THEN now() ELSE vehicle_live.updated_at END
  WHERE vehicle_live.ts < EXCLUDED.ts OR coalesce(vehicle_live.register_ts, '-infinity') < EXCLUDED.register_ts
)
SELECT input.position::int4 AS position, (SELECT followed_until > now() FROM stream_follow) AS followed
FROM inserted JOIN input USING (vehicle_id, ts)
