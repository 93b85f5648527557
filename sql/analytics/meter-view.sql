-- METER_EFFICIENCY_STATEMENTS.meterView in src/analytics/meter-efficiency.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH
sessions AS (
  SELECT vehicle_id, meter_id, started_at, ended_at, kwh_ac_micro, kwh_dc_micro, ac_readings, dc_readings,
         kwh_ac_micro IS NOT NULL AND kwh_dc_micro IS NOT NULL AND ac_readings IS NOT NULL AND dc_readings IS NOT NULL
           AND started_at >= $1 AND ended_at <= $2 AS inside
  FROM charging_session
  WHERE tstzrange(started_at, ended_at) && tstzrange($1, $2, '()') AND (
  vehicle_id IN (SELECT vehicle_id FROM charging_session WHERE meter_id = $3 AND tstzrange(started_at, ended_at) && tstzrange($1, $2, '()'))
  OR meter_id IN (
    SELECT o.meter_id FROM charging_session o
    WHERE o.vehicle_id IN (SELECT vehicle_id FROM charging_session WHERE meter_id = $3 AND tstzrange(started_at, ended_at) && tstzrange($1, $2, '()'))
      AND tstzrange(o.started_at, o.ended_at) && tstzrange($1, $2, '()')
  ))
),
vehicles AS (
  SELECT NULL::text AS vehicle_id
),
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
charger_suspects AS (
  SELECT p.meter_id FROM pair_figures p
  LEFT JOIN (SELECT DISTINCT vehicle_id FROM pair_figures WHERE fine) f USING (vehicle_id)
  WHERE p.complete
  GROUP BY p.meter_id
  HAVING count(*) >= 2 AND bool_and(p.low) AND bool_or(f.vehicle_id IS NOT NULL)
),
vehicle_suspects AS (
  SELECT p.vehicle_id FROM pair_figures p
  LEFT JOIN (SELECT DISTINCT meter_id FROM pair_figures WHERE fine) f USING (meter_id)
  WHERE p.complete
  GROUP BY p.vehicle_id
  HAVING count(*) >= 2 AND bool_and(p.low) AND bool_or(f.meter_id IS NOT NULL)
),
evidence AS (
  SELECT p.vehicle_id, bool_or(p.low) AS any_low, bool_and(NOT p.low OR c.meter_id IS NOT NULL) AS low_only_on_suspects,
    jsonb_agg(jsonb_build_object('meterId', p.meter_id, 'ratio', p.ratio, 'low', p.low, 'ac', p.ac, 'dc', p.dc,
                                 'chargerSuspect', c.meter_id IS NOT NULL) ORDER BY p.meter_id) FILTER (WHERE p.complete) AS pairs
  FROM pair_figures p LEFT JOIN charger_suspects c ON c.meter_id = p.meter_id
  GROUP BY p.vehicle_id
),
elsewhere AS (
  SELECT vehicle_id, array_agg(meter_id ORDER BY meter_id) AS meter_ids, sum(ac) AS ac, sum(dc) AS dc,
         round(sum(dc) / nullif(sum(ac), 0), 3) AS ratio, CASE WHEN sum(ac_x) IS NULL THEN NULL WHEN sum(ac_x) <= 0 THEN 1.000
                 ELSE least(1, round(sum(ac_n)::numeric / sum(ac_x)::numeric, 3)) END AS ac_cov,
         CASE WHEN sum(dc_x) IS NULL THEN NULL WHEN sum(dc_x) <= 0 THEN 1.000
                 ELSE least(1, round(sum(dc_n)::numeric / sum(dc_x)::numeric, 3)) END AS dc_cov
  FROM pair_figures WHERE meter_id <> $3 GROUP BY vehicle_id
)
SELECT p.vehicle_id AS "vehicleId", p.sessions::int, p.ac / 1000000.0 AS ac, p.dc / 1000000.0 AS dc, p.ratio,
       p.ac_cov AS "coverageAc", p.dc_cov AS "coverageDc", p.low AS "lowEfficiency",
       array_remove(ARRAY[CASE WHEN p.dc > p.ac THEN 'dc-exceeds-ac' END,
       CASE WHEN p.ac_cov < $5 THEN 'incomplete-ac' END,
       CASE WHEN p.dc_cov < $5 THEN 'incomplete-dc' END], NULL) AS "dataQuality",
       coalesce(e.meter_ids, '{}') AS "elsewhereMeterIds", coalesce(e.ac, 0) / 1000000.0 AS "elsewhereAc",
       coalesce(e.dc, 0) / 1000000.0 AS "elsewhereDc", e.ratio AS "elsewhereRatio",
       coalesce(e.ratio < $6 AND e.dc <= e.ac AND e.ac_cov >= $5 AND e.dc_cov >= $5, false) AS "elsewhereLow",
       v.vehicle_id IS NOT NULL AS "vehicleSuspect", $3 IN (SELECT meter_id FROM charger_suspects) AS "chargerSuspect",
       coalesce(x.pairs, '[]') AS evidence,
       sum(p.ac) OVER () / 1000000.0 AS "meterAc", sum(p.dc) OVER () / 1000000.0 AS "meterDc",
       round(sum(p.dc) OVER () / nullif(sum(p.ac) OVER (), 0), 3) AS "meterRatio",
       CASE WHEN sum(p.ac_x) OVER () IS NULL THEN NULL WHEN sum(p.ac_x) OVER () <= 0 THEN 1.000
               ELSE least(1, round(sum(p.ac_n) OVER ()::numeric / sum(p.ac_x) OVER ()::numeric, 3)) END AS "meterCoverage"
FROM pair_figures p
LEFT JOIN elsewhere e ON e.vehicle_id = p.vehicle_id
LEFT JOIN evidence x ON x.vehicle_id = p.vehicle_id
LEFT JOIN vehicle_suspects v ON v.vehicle_id = p.vehicle_id
WHERE p.meter_id = $3
ORDER BY p.ratio IS NULL, p.ratio, p.vehicle_id
