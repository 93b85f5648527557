-- ANALYTICS_STATEMENTS.fleet in src/analytics/analytics.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT * FROM (
  WITH
  sessions AS (
    SELECT vehicle_id, meter_id, started_at, ended_at, kwh_ac_micro, kwh_dc_micro,
           kwh_ac_micro IS NOT NULL AND kwh_dc_micro IS NOT NULL AND started_at >= $1 AND ended_at <= $2 AS inside
    FROM charging_session
    WHERE tstzrange(started_at, ended_at) && tstzrange($1, $2, '()')
  ),
  vehicles AS (SELECT DISTINCT vehicle_id FROM sessions),
  meter_shared AS (SELECT false AS shared),
  stored AS (
    SELECT vehicle_id, sum(kwh_ac_micro) AS ac, sum(kwh_dc_micro) AS dc, array_agg(DISTINCT meter_id) AS meter_ids
    FROM sessions WHERE inside GROUP BY vehicle_id
  ),
  attribution AS (
    SELECT vehicle_id, meter_id, greatest(started_at, $1) AS from_ts, least(coalesce(ended_at, 'infinity'), $2) AS until_ts
    FROM sessions WHERE NOT inside
  ),
  spans AS (
    SELECT s.*, b.first_hour, least(b.first_hour, s.until_ts) AS head_end, t.tail_start, f.first_day,
           greatest(f.first_day, least(date_trunc('day', t.tail_start, 'UTC'), (SELECT days_until FROM rollup_seal))) AS days_end
    FROM attribution s
    CROSS JOIN LATERAL (
      SELECT date_trunc('hour', s.from_ts - interval '1 microsecond', 'UTC') + interval '1 hour' AS first_hour
    ) b
    CROSS JOIN LATERAL (
      SELECT greatest(least(date_trunc('hour', s.until_ts, 'UTC'), (SELECT hours_until FROM rollup_seal)), b.first_hour) AS tail_start
    ) t
    CROSS JOIN LATERAL (
      SELECT least(date_trunc('day', b.first_hour - interval '1 microsecond', 'UTC') + interval '1 day', t.tail_start) AS first_day
    ) f
  ),
  edges AS (
    SELECT s.vehicle_id, sum(m.ac) AS ac, sum(d.dc) AS dc
    FROM spans s
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(ac), 0) AS ac
      FROM (
        SELECT (h.kwh_consumed_ac * 1000000)::bigint AS ac FROM meter_history h
        WHERE h.meter_id = s.meter_id AND h.ts > $1 AND h.ts <= $2 AND h.ts > s.from_ts AND h.ts <= s.head_end
        UNION ALL
        SELECT (h.kwh_consumed_ac * 1000000)::bigint AS ac FROM meter_history h
        WHERE h.meter_id = s.meter_id AND h.ts > $1 AND h.ts <= $2 AND h.ts > s.tail_start AND h.ts <= s.until_ts
      ) readings
    ) m
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(dc), 0) AS dc
      FROM (
        SELECT (h.kwh_delivered_dc * 1000000)::bigint AS dc FROM vehicle_history h
        WHERE h.vehicle_id = s.vehicle_id AND h.ts > $1 AND h.ts <= $2 AND h.ts > s.from_ts AND h.ts <= s.head_end
        UNION ALL
        SELECT (h.kwh_delivered_dc * 1000000)::bigint AS dc FROM vehicle_history h
        WHERE h.vehicle_id = s.vehicle_id AND h.ts > $1 AND h.ts <= $2 AND h.ts > s.tail_start AND h.ts <= s.until_ts
      ) readings
    ) d
    GROUP BY s.vehicle_id
  ),
  meter_hours AS (
    SELECT b.vehicle_id, sum(m.ac) AS ac, array_agg(b.meter_id) AS meter_ids
    FROM (
      SELECT vehicle_id, meter_id, range_agg(tstzrange(first_hour, tail_start)) AS hours FROM spans GROUP BY 1, 2
    ) b
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(ac), 0) AS ac
      FROM (
        SELECT r.kwh_micro AS ac FROM meter_rollup_hourly r
        WHERE r.meter_id = b.meter_id AND r.hour >= $1 AND r.hour < $2 AND r.hour >= lower(b.hours) AND r.hour < upper(b.hours) AND b.hours @> r.hour
      ) readings
    ) m
    GROUP BY b.vehicle_id
  ),
  vehicle_hours AS (
    SELECT b.vehicle_id, d.dc
    FROM (SELECT vehicle_id, range_agg(tstzrange(first_hour, tail_start)) AS hours FROM spans GROUP BY 1) b
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(dc), 0) AS dc
      FROM (
        SELECT r.kwh_micro AS dc FROM vehicle_rollup_hourly r
        WHERE r.vehicle_id = b.vehicle_id AND r.hour >= $1 AND r.hour < $2 AND r.hour >= lower(b.hours) AND r.hour < upper(b.hours) AND b.hours @> r.hour
      ) readings
    ) d
  ),
  attributed AS (
    SELECT vehicle_id, coalesce(e.ac + m.ac, 0) + coalesce(t.ac, 0) AS ac,
           coalesce(e.dc + h.dc, 0) + coalesce(t.dc, 0) AS dc,
           ARRAY(SELECT DISTINCT unnest(coalesce(m.meter_ids, '{}') || coalesce(t.meter_ids, '{}')) ORDER BY 1) AS meter_ids
    FROM edges e JOIN meter_hours m USING (vehicle_id) JOIN vehicle_hours h USING (vehicle_id)
    FULL JOIN stored t USING (vehicle_id)
  ),
  window_span AS (
    SELECT s.*, b.first_hour, least(b.first_hour, s.until_ts) AS head_end, t.tail_start, f.first_day,
           greatest(f.first_day, least(date_trunc('day', t.tail_start, 'UTC'), (SELECT days_until FROM rollup_seal))) AS days_end
    FROM (SELECT $1::timestamptz AS from_ts, $2::timestamptz AS until_ts) s
    CROSS JOIN LATERAL (
      SELECT date_trunc('hour', s.from_ts - interval '1 microsecond', 'UTC') + interval '1 hour' AS first_hour
    ) b
    CROSS JOIN LATERAL (
      SELECT greatest(least(date_trunc('hour', s.until_ts, 'UTC'), (SELECT hours_until FROM rollup_seal)), b.first_hour) AS tail_start
    ) t
    CROSS JOIN LATERAL (
      SELECT least(date_trunc('day', b.first_hour - interval '1 microsecond', 'UTC') + interval '1 day', t.tail_start) AS first_day
    ) f
  ),
  totals AS (
    SELECT v.vehicle_id, coalesce(p.ac, 0) AS ac, coalesce(p.dc, 0) AS dc,
           coalesce(p.meter_ids, '{}') AS meter_ids, w.dc_window, w.record_count, w.temp_sum
    FROM vehicles v
    LEFT JOIN attributed p USING (vehicle_id)
    CROSS JOIN window_span s
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(dc_window), 0) AS dc_window, coalesce(sum(record_count), 0) AS record_count, coalesce(sum(temp_sum), 0) AS temp_sum
      FROM (
        SELECT r.kwh_micro AS dc_window, r.readings AS record_count, r.battery_temp_sum AS temp_sum FROM vehicle_rollup_hourly r
        WHERE r.vehicle_id = v.vehicle_id AND r.hour >= $1 AND r.hour < $2 AND r.hour >= s.first_hour AND r.hour < s.first_day
        UNION ALL
        SELECT r.kwh_micro AS dc_window, r.readings AS record_count, r.battery_temp_sum AS temp_sum FROM vehicle_rollup_hourly r
        WHERE r.vehicle_id = v.vehicle_id AND r.hour >= $1 AND r.hour < $2 AND r.hour >= s.days_end AND r.hour < s.tail_start
        UNION ALL
        SELECT r.kwh_micro AS dc_window, r.readings AS record_count, r.battery_temp_sum AS temp_sum FROM vehicle_rollup_daily r
        WHERE r.vehicle_id = v.vehicle_id AND r.day >= $1 AND r.day < $2 AND r.day >= s.first_day AND r.day < s.days_end
        UNION ALL
        SELECT (h.kwh_delivered_dc * 1000000)::bigint AS dc_window, 1 AS record_count, h.battery_temp::numeric AS temp_sum FROM vehicle_history h
        WHERE h.vehicle_id = v.vehicle_id AND h.ts > $1 AND h.ts <= $2 AND h.ts > s.from_ts AND h.ts <= s.head_end
        UNION ALL
        SELECT (h.kwh_delivered_dc * 1000000)::bigint AS dc_window, 1 AS record_count, h.battery_temp::numeric AS temp_sum FROM vehicle_history h
        WHERE h.vehicle_id = v.vehicle_id AND h.ts > $1 AND h.ts <= $2 AND h.ts > s.tail_start AND h.ts <= s.until_ts
      ) readings
    ) w
  )
  SELECT vehicle_id AS "vehicleId", ac / 1000000.0 AS ac, dc / 1000000.0 AS dc,
         (dc_window - dc) / 1000000.0 AS "dcOutside", round(dc / nullif(ac, 0), 3) AS ratio, dc > ac AS "dcExceedsAc",
         round(temp_sum / nullif(record_count, 0), 3) AS temp, record_count::bigint AS "recordCount", meter_ids AS "meterIds",
         (SELECT shared FROM meter_shared) AS "sharedMeter"
  FROM totals
) f
WHERE ($3::boolean IS NULL OR (ratio IS NULL, coalesce(ratio, 0), "vehicleId") > ($3, $4::numeric, $5::text))
  AND ($7::boolean IS NULL OR (ratio < $8::numeric AND NOT "dcExceedsAc") IS TRUE = $7)
  AND ($9::text IS NULL OR ($9 = 'dc-exceeds-ac' AND "dcExceedsAc"))
ORDER BY ratio IS NULL, coalesce(ratio, 0), "vehicleId"
LIMIT $6
