-- REGISTER_STATEMENTS.restate.meter in src/ingestion/register.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH u AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::text[], $6::int4[], $7::timestamptz[])
    AS u(id, ts, energy, base, event, bridged, gap_from)
), live AS (
  UPDATE meter_live l SET
    kwh_consumed_ac = coalesce((SELECT u.energy FROM u WHERE u.id = l.meter_id AND u.ts = l.ts), l.kwh_consumed_ac),
    register_base = coalesce((SELECT u.base FROM u WHERE u.id = l.meter_id AND u.ts = l.register_ts), l.register_base)
  WHERE l.meter_id IN (SELECT id FROM u)
)
UPDATE meter_history h SET kwh_consumed_ac = u.energy, register_base = u.base, register_event = u.event, bridged = u.bridged,
  gap_from = u.gap_from
FROM u WHERE h.meter_id = u.id AND h.ts = u.ts
