-- REGISTER_STATEMENTS.restate.vehicle in src/ingestion/register.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH u AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::text[], $6::int4[])
    AS u(id, ts, energy, base, event, bridged)
), live AS (
  UPDATE vehicle_live l SET kwh_delivered_dc = u.energy FROM u WHERE l.vehicle_id = u.id AND l.ts = u.ts
)
UPDATE vehicle_history h SET kwh_delivered_dc = u.energy, register_base = u.base, register_event = u.event, bridged = u.bridged
FROM u WHERE h.vehicle_id = u.id AND h.ts = u.ts
