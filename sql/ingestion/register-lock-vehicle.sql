-- REGISTER_STATEMENTS.lock.vehicle in src/ingestion/register.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH timeout AS MATERIALIZED (SELECT set_config('lock_timeout', $2, true)),
existing AS MATERIALIZED (
  SELECT l.vehicle_id AS id, l.ts, l.register_ts, l.kwh_register_dc AS register, l.register_base AS base
  FROM vehicle_live l CROSS JOIN timeout
  WHERE l.vehicle_id = ANY($1::text[])
  ORDER BY l.vehicle_id
  FOR UPDATE OF l
),
fresh AS MATERIALIZED (
  SELECT count(pg_advisory_xact_lock($3::int4, k)) AS held FROM (
    SELECT DISTINCT hashtext(id) & 255 AS k FROM unnest($1::text[]) AS id
    WHERE id NOT IN (SELECT id FROM existing)
    ORDER BY 1
  ) keys
)
SELECT e.*, v.reporting_interval_s AS interval_s
FROM fresh LEFT JOIN existing e ON true LEFT JOIN device v ON v.id = e.id
