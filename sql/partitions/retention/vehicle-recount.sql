-- RETENTION_STATEMENTS.vehicle.recount in src/partitions/retention.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH batch AS (
  SELECT id, vehicle_id, ended_at FROM charging_session
  WHERE ended_at <= $1 AND (kwh_dc_micro <> 0 OR dc_readings <> 0) AND (ended_at, id) > ($2::timestamptz, $3::uuid)
  ORDER BY ended_at, id LIMIT $4
),
recounted AS (
  UPDATE charging_session c SET kwh_dc_micro = vehicle_kwh_micro(c.vehicle_id, c.started_at, c.ended_at)
  FROM batch b
  WHERE c.id = b.id AND c.vehicle_id = b.vehicle_id AND c.ended_at <= $1 AND (c.kwh_dc_micro <> 0 OR c.dc_readings <> 0)
  RETURNING 1
)
SELECT (SELECT count(*) FROM batch)::int AS selected, (SELECT count(*) FROM recounted)::int AS recounted,
       to_char(last.ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "endedAt", last.id::text
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (SELECT ended_at, id FROM batch ORDER BY ended_at DESC, id DESC LIMIT 1) last ON true
