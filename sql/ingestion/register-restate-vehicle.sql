-- REGISTER_STATEMENTS.restate.vehicle in src/ingestion/register.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH u AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::text[], $6::int4[], $7::timestamptz[])
    AS u(id, ts, energy, base, event, bridged, gap_from)
), live AS (
  UPDATE vehicle_live l SET
    kwh_delivered_dc = coalesce((SELECT u.energy FROM u WHERE u.id = l.vehicle_id AND u.ts = l.ts), l.kwh_delivered_dc),
    register_base = coalesce((SELECT u.base FROM u WHERE u.id = l.vehicle_id AND u.ts = l.register_ts), l.register_base)
  WHERE l.vehicle_id IN (SELECT id FROM u)
)
UPDATE vehicle_history h SET kwh_delivered_dc = u.energy, register_base = u.base, register_event = u.event, bridged = u.bridged,
  gap_from = u.gap_from
FROM u WHERE h.vehicle_id = u.id AND h.ts = u.ts
