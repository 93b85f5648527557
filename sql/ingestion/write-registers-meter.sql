-- WRITE_REGISTER_STATEMENTS.meter in src/ingestion/ingestion.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::text[], $8::int4[], $9::timestamptz[]) WITH ORDINALITY AS input(meter_id, ts, kwh_consumed_ac, voltage, kwh_register_ac, register_base, register_event, bridged, gap_from, position)
), inserted AS (
  INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage, kwh_register_ac, register_base, register_event, bridged, gap_from)
  SELECT meter_id, ts, kwh_consumed_ac, voltage, kwh_register_ac, register_base, register_event, bridged, gap_from FROM input
  ON CONFLICT (meter_id, ts) DO NOTHING
  RETURNING meter_id, ts, kwh_consumed_ac, voltage, kwh_register_ac, register_base, register_event, bridged, gap_from
), newest AS (
  INSERT INTO meter_live (meter_id, ts, kwh_consumed_ac, voltage, register_ts, kwh_register_ac, register_base)
  SELECT n.*, r.ts, r.kwh_register_ac, r.register_base
  FROM (SELECT DISTINCT ON (meter_id) meter_id, ts, kwh_consumed_ac, voltage FROM inserted ORDER BY meter_id, ts DESC) n
  LEFT JOIN (
    SELECT DISTINCT ON (meter_id) meter_id, ts, kwh_register_ac, register_base FROM inserted
    WHERE kwh_register_ac IS NOT NULL ORDER BY meter_id, ts DESC
  ) r USING (meter_id)
  ORDER BY meter_id
  ON CONFLICT (meter_id) DO UPDATE SET
    ts = CASE WHEN meter_live.ts < EXCLUDED.ts THEN EXCLUDED.ts ELSE meter_live.ts END,
    kwh_consumed_ac = CASE WHEN meter_live.ts < EXCLUDED.ts THEN EXCLUDED.kwh_consumed_ac ELSE meter_live.kwh_consumed_ac END,
    voltage = CASE WHEN meter_live.ts < EXCLUDED.ts THEN EXCLUDED.voltage ELSE meter_live.voltage END,
    register_ts = CASE WHEN coalesce(meter_live.register_ts, '-infinity') < EXCLUDED.register_ts THEN EXCLUDED.register_ts ELSE meter_live.register_ts END,
    kwh_register_ac = CASE WHEN coalesce(meter_live.register_ts, '-infinity') < EXCLUDED.register_ts THEN EXCLUDED.kwh_register_ac ELSE meter_live.kwh_register_ac END,
    register_base = CASE WHEN coalesce(meter_live.register_ts, '-infinity') < EXCLUDED.register_ts THEN EXCLUDED.register_base ELSE meter_live.register_base END,
    updated_at = CASE WHEN meter_live.ts < EXCLUDED.ts THEN now() ELSE meter_live.updated_at END
  WHERE meter_live.ts < EXCLUDED.ts OR coalesce(meter_live.register_ts, '-infinity') < EXCLUDED.register_ts
)
SELECT input.position::int4 AS position, (SELECT followed_until > now() FROM stream_follow) AS followed
FROM inserted JOIN input USING (meter_id, ts)
