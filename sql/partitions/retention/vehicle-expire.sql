-- RETENTION_STATEMENTS.vehicle.expire in src/partitions/retention.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH head AS (
  SELECT vehicle_id AS device, date_trunc('hour', ts - interval '1 microsecond', 'UTC') AS hour,
         row_number() OVER (ORDER BY vehicle_id, ts) AS n
  FROM (SELECT vehicle_id, ts FROM vehicle_history_default WHERE ts <= $1 ORDER BY vehicle_id, ts LIMIT $2::int + 1) AS oldest
),
cut AS (SELECT device, hour FROM head WHERE n = $2::int + 1),
hours AS (
  SELECT DISTINCT device, hour FROM head
  WHERE n = 1 OR NOT EXISTS (SELECT 1 FROM cut) OR (device, hour) < (SELECT device, hour FROM cut)
),
readings AS (
  DELETE FROM vehicle_history_default h USING hours d
  WHERE h.vehicle_id = d.device AND h.ts > d.hour AND h.ts <= d.hour + interval '1 hour'
  RETURNING h.vehicle_id AS device, h.ts, (h.kwh_delivered_dc * 1000000)::bigint AS kwh, h.bridged, h.gap_from
),
hourly AS (
  DELETE FROM vehicle_rollup_hourly_default r USING hours d WHERE r.vehicle_id = d.device AND r.hour = d.hour
  RETURNING 1
),
daily AS (
  DELETE FROM vehicle_rollup_daily_default r
  USING (SELECT DISTINCT device, date_trunc('day', hour, 'UTC') AS day FROM hours) d
  WHERE r.vehicle_id = d.device AND r.day = d.day
  RETURNING r.vehicle_id AS device, r.day
),
sessions AS (
  UPDATE charging_session c SET kwh_dc_micro = c.kwh_dc_micro - a.kwh
  FROM (
    SELECT id, vehicle_id, sum(kwh) AS kwh FROM (
      SELECT s.id, s.vehicle_id, r.kwh
      FROM readings r
      CROSS JOIN LATERAL (
        SELECT id, vehicle_id, started_at FROM charging_session
        WHERE vehicle_id = r.device AND ended_at >= r.ts
        ORDER BY ended_at LIMIT 1
      ) s
      WHERE r.gap_from IS NULL AND r.ts > s.started_at
      UNION ALL
      SELECT s.id, s.vehicle_id, register_share(r.kwh, r.bridged, r.gap_from, r.ts, s.started_at, s.ended_at)
      FROM readings r
      CROSS JOIN LATERAL (
        SELECT id, vehicle_id, started_at, ended_at FROM charging_session
        WHERE vehicle_id = r.device AND ended_at > r.gap_from AND started_at < r.ts
      ) s
      WHERE r.gap_from IS NOT NULL
    ) x
    GROUP BY id, vehicle_id
  ) a
  WHERE c.id = a.id AND c.vehicle_id = a.vehicle_id
  RETURNING 1
)
SELECT (SELECT count(*) FROM readings)::int AS readings, (SELECT count(*) FROM hourly)::int AS hours,
       (SELECT count(*) FROM sessions)::int AS sessions,
       (SELECT coalesce(array_agg(device::text ORDER BY device, day), '{}') FROM daily) AS "dayDevices",
       (SELECT coalesce(array_agg(day ORDER BY device, day), '{}') FROM daily) AS days
