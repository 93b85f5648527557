-- ANALYTICS_STATEMENTS.vehicleBySessions in src/analytics/analytics.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH
sessions AS (
  SELECT vehicle_id, meter_id, started_at, ended_at, kwh_ac_micro, kwh_dc_micro, ac_readings, dc_readings,
         kwh_ac_micro IS NOT NULL AND kwh_dc_micro IS NOT NULL AND ac_readings IS NOT NULL AND dc_readings IS NOT NULL
           AND started_at >= $1 AND ended_at <= $2 AS inside
  FROM charging_session
  WHERE tstzrange(started_at, ended_at) && tstzrange($1, $2, '()') AND vehicle_id = $3
),
vehicles AS (SELECT $3::text AS vehicle_id),
meter_shared AS (SELECT false AS shared),
stored AS (
  SELECT s.vehicle_id, s.meter_id, count(*) AS sessions, sum(s.kwh_ac_micro) AS ac, sum(s.kwh_dc_micro) AS dc,
         sum(s.ac_readings) AS ac_n, sum(s.dc_readings) AS dc_n,
         sum(greatest(floor(date_part('epoch', least(s.ended_at, now()) - s.started_at) / coalesce(m.reporting_interval_s, $4))
              - (date_part('epoch', now() - least(s.ended_at, now())) < coalesce(m.reporting_interval_s, $4))::int, 0)) AS ac_x,
         sum(greatest(floor(date_part('epoch', least(s.ended_at, now()) - s.started_at) / coalesce(v.reporting_interval_s, $4))
              - (date_part('epoch', now() - least(s.ended_at, now())) < coalesce(v.reporting_interval_s, $4))::int, 0)) AS dc_x
  FROM sessions s
  LEFT JOIN device m ON m.id = s.meter_id AND m.kind = 'meter'
  LEFT JOIN device v ON v.id = s.vehicle_id AND v.kind = 'vehicle'
  WHERE s.inside
  GROUP BY s.vehicle_id, s.meter_id
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
  SELECT s.vehicle_id, s.meter_id, count(*) AS sessions, sum(m.ac) AS ac, sum(m.ac_n) AS ac_n,
         sum(d.dc) AS dc, sum(d.dc_n) AS dc_n,
         sum(greatest(floor(date_part('epoch', least(s.until_ts, now()) - s.from_ts) / coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.meter_id AND d.kind = 'meter'), $4))
              - (date_part('epoch', now() - least(s.until_ts, now())) < coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.meter_id AND d.kind = 'meter'), $4))::int, 0)) AS ac_x,
         sum(greatest(floor(date_part('epoch', least(s.until_ts, now()) - s.from_ts) / coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.vehicle_id AND d.kind = 'vehicle'), $4))
              - (date_part('epoch', now() - least(s.until_ts, now())) < coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.vehicle_id AND d.kind = 'vehicle'), $4))::int, 0)) AS dc_x
  FROM spans s
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(ac), 0) AS ac, coalesce(sum(ac_n), 0) AS ac_n
    FROM (
      SELECT (h.kwh_consumed_ac * 1000000)::bigint AS ac, 1 + h.bridged AS ac_n FROM meter_history h
      WHERE h.meter_id = s.meter_id AND h.ts > $1 AND h.ts <= $2 AND h.ts > s.from_ts AND h.ts <= s.head_end
      UNION ALL
      SELECT (h.kwh_consumed_ac * 1000000)::bigint AS ac, 1 + h.bridged AS ac_n FROM meter_history h
      WHERE h.meter_id = s.meter_id AND h.ts > $1 AND h.ts <= $2 AND h.ts > s.tail_start AND h.ts <= s.until_ts
      UNION ALL
      SELECT c.kwh_micro AS ac, c.covered AS ac_n FROM meter_cut(s.meter_id, s.until_ts) c
      UNION ALL
      SELECT -c.kwh_micro AS ac, -c.covered AS ac_n FROM meter_cut(s.meter_id, s.from_ts) c
    ) readings
  ) m
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(dc), 0) AS dc, coalesce(sum(dc_n), 0) AS dc_n
    FROM (
      SELECT (h.kwh_delivered_dc * 1000000)::bigint AS dc, 1 + h.bridged AS dc_n FROM vehicle_history h
      WHERE h.vehicle_id = s.vehicle_id AND h.ts > $1 AND h.ts <= $2 AND h.ts > s.from_ts AND h.ts <= s.head_end
      UNION ALL
      SELECT (h.kwh_delivered_dc * 1000000)::bigint AS dc, 1 + h.bridged AS dc_n FROM vehicle_history h
      WHERE h.vehicle_id = s.vehicle_id AND h.ts > $1 AND h.ts <= $2 AND h.ts > s.tail_start AND h.ts <= s.until_ts
      UNION ALL
      SELECT c.kwh_micro AS dc, c.covered AS dc_n FROM vehicle_cut(s.vehicle_id, s.until_ts) c
      UNION ALL
      SELECT -c.kwh_micro AS dc, -c.covered AS dc_n FROM vehicle_cut(s.vehicle_id, s.from_ts) c
    ) readings
  ) d
  GROUP BY s.vehicle_id, s.meter_id
),
whole AS (
  SELECT b.vehicle_id, b.meter_id, m.ac, m.ac_n, d.dc, d.dc_n
  FROM (
    SELECT vehicle_id, meter_id, range_agg(tstzrange(first_hour, tail_start)) AS hours FROM spans GROUP BY 1, 2
  ) b
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(ac), 0) AS ac, coalesce(sum(ac_n), 0) AS ac_n
    FROM (
      SELECT r.kwh_micro AS ac, r.readings + r.bridged AS ac_n FROM meter_rollup_hourly r
      WHERE r.meter_id = b.meter_id AND r.hour >= $1 AND r.hour < $2 AND r.hour >= lower(b.hours) AND r.hour < upper(b.hours) AND b.hours @> r.hour
    ) readings
  ) m
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(dc), 0) AS dc, coalesce(sum(dc_n), 0) AS dc_n
    FROM (
      SELECT r.kwh_micro AS dc, r.readings + r.bridged AS dc_n FROM vehicle_rollup_hourly r
      WHERE r.vehicle_id = b.vehicle_id AND r.hour >= $1 AND r.hour < $2 AND r.hour >= lower(b.hours) AND r.hour < upper(b.hours) AND b.hours @> r.hour
    ) readings
  ) d
),
pairs AS (
  SELECT vehicle_id, meter_id, coalesce(e.sessions, 0) + coalesce(t.sessions, 0) AS sessions,
         coalesce(e.ac + w.ac, 0) + coalesce(t.ac, 0) AS ac, coalesce(e.dc + w.dc, 0) + coalesce(t.dc, 0) AS dc,
         coalesce(e.ac_n + w.ac_n, 0) + coalesce(t.ac_n, 0) AS ac_n, coalesce(e.dc_n + w.dc_n, 0) + coalesce(t.dc_n, 0) AS dc_n,
         coalesce(e.ac_x, 0) + coalesce(t.ac_x, 0) AS ac_x, coalesce(e.dc_x, 0) + coalesce(t.dc_x, 0) AS dc_x
  FROM edges e JOIN whole w USING (vehicle_id, meter_id)
  FULL JOIN stored t USING (vehicle_id, meter_id)
),
pair_figures AS (
  SELECT p.*, c.ratio, c.ac_cov, c.dc_cov, k.complete, k.complete AND c.ratio < $6 AS low,
         k.complete AND c.ratio >= $6 AS fine
  FROM pairs p
  CROSS JOIN LATERAL (
    SELECT round(p.dc / nullif(p.ac, 0), 3) AS ratio, CASE WHEN p.ac_x IS NULL THEN NULL WHEN p.ac_x <= 0 THEN 1.000
            ELSE least(1, round(p.ac_n::numeric / p.ac_x::numeric, 3)) END AS ac_cov,
           CASE WHEN p.dc_x IS NULL THEN NULL WHEN p.dc_x <= 0 THEN 1.000
                   ELSE least(1, round(p.dc_n::numeric / p.dc_x::numeric, 3)) END AS dc_cov
  ) c
  CROSS JOIN LATERAL (
    SELECT p.ac > 0 AND p.dc <= p.ac AND c.ac_cov >= $5 AND c.dc_cov >= $5 AS complete
  ) k
),
attributed AS (
  SELECT p.vehicle_id, sum(p.ac) AS ac, sum(p.dc) AS dc, sum(p.ac_n) AS ac_n, sum(p.dc_n) AS dc_n,
         sum(p.ac_x) AS ac_x, sum(p.dc_x) AS dc_x,
         array_agg(p.meter_id ORDER BY p.meter_id) AS meter_ids
  FROM pair_figures p
  GROUP BY p.vehicle_id
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
  SELECT v.vehicle_id, coalesce(p.ac, 0) AS ac, coalesce(p.dc, 0) AS dc, coalesce(p.meter_ids, '{}') AS meter_ids,
         p.ac_n, p.ac_x, p.dc_n, p.dc_x, w.dc_window, w.record_count, w.temp_sum
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
      UNION ALL
      SELECT c.kwh_micro AS dc_window, 0 AS record_count, 0 AS temp_sum FROM vehicle_cut(v.vehicle_id, s.until_ts) c
      UNION ALL
      SELECT -c.kwh_micro AS dc_window, 0 AS record_count, 0 AS temp_sum FROM vehicle_cut(v.vehicle_id, s.from_ts) c
    ) readings
  ) w
),
judged AS (
  SELECT t.*, c.*, f.flags, c.ratio < $6 AND cardinality(f.flags) = 0 AS low
  FROM totals t
  CROSS JOIN LATERAL (
    SELECT round(t.dc / nullif(t.ac, 0), 3) AS ratio, CASE WHEN t.ac_x IS NULL THEN NULL WHEN t.ac_x <= 0 THEN 1.000
            ELSE least(1, round(t.ac_n::numeric / t.ac_x::numeric, 3)) END AS ac_cov,
           CASE WHEN t.dc_x IS NULL THEN NULL WHEN t.dc_x <= 0 THEN 1.000
                   ELSE least(1, round(t.dc_n::numeric / t.dc_x::numeric, 3)) END AS dc_cov
  ) c
  CROSS JOIN LATERAL (
    SELECT array_remove(ARRAY[
      CASE WHEN q.dc > q.ac THEN 'dc-exceeds-ac' END,
      CASE WHEN q.ac_cov < $5 THEN 'incomplete-ac' END,
      CASE WHEN q.dc_cov < $5 THEN 'incomplete-dc' END,
      CASE WHEN (SELECT shared FROM meter_shared) AND t.ac_x IS NULL THEN 'shared-meter' END,
      CASE WHEN t.ac_x IS NULL AND t.dc_window > 0 AND NOT (SELECT shared FROM meter_shared) THEN 'no-session' END
    ], NULL) AS flags
    FROM (SELECT t.ac, t.dc, c.ac_cov, c.dc_cov) q
  ) f
)
SELECT j.vehicle_id AS "vehicleId", j.ac / 1000000.0 AS ac, j.dc / 1000000.0 AS dc,
       (j.dc_window - j.dc) / 1000000.0 AS "dcOutside", j.ratio, j.ac_cov AS "coverageAc", j.dc_cov AS "coverageDc",
       round(j.temp_sum / nullif(j.record_count, 0), 3) AS temp, j.record_count::bigint AS "recordCount",
       j.meter_ids AS "meterIds", coalesce(j.low, false) AS "lowEfficiency", j.flags AS "dataQuality"
FROM judged j
