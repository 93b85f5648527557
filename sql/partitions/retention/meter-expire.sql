-- meterExpire in src/partitions/retention.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH days AS (
  SELECT DISTINCT meter_id AS device, date_trunc('day', ts - interval '1 microsecond', 'UTC') AS day
  FROM (SELECT meter_id, ts FROM meter_history_default WHERE ts <= $1 ORDER BY ts LIMIT $2) AS oldest
),
readings AS (
  DELETE FROM meter_history_default h USING days d
  WHERE h.meter_id = d.device AND h.ts > d.day AND h.ts <= d.day + interval '1 day'
  RETURNING h.meter_id AS device, h.ts, (h.kwh_consumed_ac * 1000000)::bigint AS kwh
),
hours AS (
  DELETE FROM meter_rollup_hourly_default r USING days d
  WHERE r.meter_id = d.device AND r.hour >= d.day AND r.hour < d.day + interval '1 day'
  RETURNING 1
),
whole_days AS (
  DELETE FROM meter_rollup_daily_default r USING days d WHERE r.meter_id = d.device AND r.day = d.day
  RETURNING 1
),
sessions AS (
  UPDATE charging_session c SET kwh_ac_micro = c.kwh_ac_micro - a.kwh
  FROM (
    SELECT s.id, s.vehicle_id, sum(r.kwh) AS kwh
    FROM readings r
    CROSS JOIN LATERAL (
      SELECT id, vehicle_id, started_at FROM charging_session
      WHERE meter_id = r.device AND ended_at >= r.ts
      ORDER BY ended_at LIMIT 1
    ) s
    WHERE r.ts > s.started_at
    GROUP BY s.id, s.vehicle_id
  ) a
  WHERE c.id = a.id AND c.vehicle_id = a.vehicle_id
  RETURNING 1
)
SELECT (SELECT count(*) FROM readings)::int AS readings, (SELECT count(*) FROM hours)::int AS hours,
       (SELECT count(*) FROM whole_days)::int AS days, (SELECT count(*) FROM sessions)::int AS sessions
