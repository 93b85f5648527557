-- WRITE_REGISTER_STATEMENTS.meter in src/ingestion/ingestion.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::text[], $8::int4[]) WITH ORDINALITY AS input(meter_id, ts, kwh_consumed_ac, voltage, kwh_register_ac, register_base, register_event, bridged, position)
), inserted AS (
  INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage, kwh_register_ac, register_base, register_event, bridged)
  SELECT meter_id, ts, kwh_consumed_ac, voltage, kwh_register_ac, register_base, register_event, bridged FROM input
  ON CONFLICT (meter_id, ts) DO NOTHING
  RETURNING meter_id, ts, kwh_consumed_ac, voltage
), newest AS (
  INSERT INTO meter_live (meter_id, ts, kwh_consumed_ac, voltage)
  SELECT DISTINCT ON (meter_id) meter_id, ts, kwh_consumed_ac, voltage FROM inserted ORDER BY meter_id, ts DESC
  ON CONFLICT (meter_id) DO UPDATE SET ts = EXCLUDED.ts, kwh_consumed_ac = EXCLUDED.kwh_consumed_ac, voltage = EXCLUDED.voltage, updated_at = now()
  WHERE meter_live.ts < EXCLUDED.ts
)
SELECT input.position::int4 AS position, (SELECT followed_until > now() FROM stream_follow) AS followed
FROM inserted JOIN input USING (meter_id, ts)
