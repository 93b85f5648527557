-- SERIES_STATEMENTS.vehicleSeries in src/analytics/series.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH
buckets AS (
  SELECT local, local AT TIME ZONE $5::text AS start, (local + $4::interval) AT TIME ZONE $5::text AS "end"
  FROM generate_series(date_bin($4::interval, ($1::timestamptz + interval '1 microsecond' - interval '1 microsecond') AT TIME ZONE $5::text, timestamp '2000-01-01'), date_bin($4::interval, ($2::timestamptz - interval '1 microsecond') AT TIME ZONE $5::text, timestamp '2000-01-01'),
                       $4::interval) local
),
parts AS (
  SELECT local, start, "end", a, z, lo,
         greatest(least(date_bin('1 hour', z, timestamptz '2000-01-01Z'), (SELECT hours_until FROM rollup_seal)), lo) AS hi
  FROM buckets
  CROSS JOIN LATERAL (SELECT greatest(start, $1) AS a, least("end", $2) AS z) w
  CROSS JOIN LATERAL (
    SELECT date_bin('1 hour', a - interval '1 microsecond', timestamptz '2000-01-01Z') + interval '1 hour' AS lo
  ) l
),
edges AS (
  SELECT local, a AS after, least(lo, z) AS upto FROM parts
  UNION ALL
  SELECT local, greatest(hi, a), z FROM parts WHERE hi < z
),
raw AS (
  SELECT e.local, count(*) AS n, count(*) + sum(h.bridged) AS covered, sum((h.kwh_delivered_dc * 1000000)::bigint) AS kwh,
         min(h.soc) AS soc_min, max(h.soc) AS soc_max, sum(h.soc::numeric) AS soc_sum, min(h.battery_temp) AS batteryTemp_min, max(h.battery_temp) AS batteryTemp_max, sum(h.battery_temp::numeric) AS batteryTemp_sum
  FROM edges e
  JOIN vehicle_history h ON h.vehicle_id = $3 AND h.ts > e.after AND h.ts <= e.upto
  GROUP BY e.local
),
cuts AS (
  SELECT p.local, z.kwh_micro - a.kwh_micro AS kwh, z.covered - a.covered AS covered
  FROM parts p CROSS JOIN LATERAL vehicle_cut($3, p.z) z CROSS JOIN LATERAL vehicle_cut($3, p.a) a
),
points AS (
  SELECT p.local, p.start, p."end", coalesce(r.n, 0) + coalesce(u.n, 0) AS readings,
         coalesce(r.covered, 0) + coalesce(u.covered, 0) + c.covered AS covered,
         coalesce(r.kwh, 0) + coalesce(u.kwh, 0) + c.kwh AS kwh_micro,
         round((coalesce(r.soc_sum, 0) + coalesce(u.soc_sum, 0)) / nullif(coalesce(r.n, 0) + coalesce(u.n, 0), 0), 3) AS "socAvg",
         least(r.soc_min, u.soc_min) AS "socMin",
         greatest(r.soc_max, u.soc_max) AS "socMax",
         round((coalesce(r.batteryTemp_sum, 0) + coalesce(u.batteryTemp_sum, 0)) / nullif(coalesce(r.n, 0) + coalesce(u.n, 0), 0), 3) AS "batteryTempAvg",
         least(r.batteryTemp_min, u.batteryTemp_min) AS "batteryTempMin",
         greatest(r.batteryTemp_max, u.batteryTemp_max) AS "batteryTempMax"
  FROM parts p
  JOIN cuts c USING (local)
  LEFT JOIN raw r USING (local)
  LEFT JOIN LATERAL (
    SELECT sum(readings) AS n, sum(readings + bridged) AS covered, sum(kwh_micro) AS kwh, min(u.soc_min) AS soc_min, max(u.soc_max) AS soc_max, sum(u.soc_sum) AS soc_sum, min(u.battery_temp_min) AS batteryTemp_min, max(u.battery_temp_max) AS batteryTemp_max, sum(u.battery_temp_sum) AS batteryTemp_sum
    FROM vehicle_rollup_hourly u
    WHERE u.vehicle_id = $3 AND u.hour >= p.lo AND u.hour < p.hi
  ) u ON p.lo < p.hi
),
sessions AS (
  SELECT meter_id, greatest(started_at, $1) AS after, least(coalesce(ended_at, 'infinity'), $2) AS upto,
         kwh_ac_micro, kwh_dc_micro, ac_readings, dc_readings,
         kwh_ac_micro IS NOT NULL AND kwh_dc_micro IS NOT NULL AND ac_readings IS NOT NULL AND dc_readings IS NOT NULL
           AND started_at >= $1 AND ended_at <= $2
           AND date_bin($4::interval, (started_at + interval '1 microsecond' - interval '1 microsecond') AT TIME ZONE $5::text, timestamp '2000-01-01') = date_bin($4::interval, (ended_at - interval '1 microsecond') AT TIME ZONE $5::text, timestamp '2000-01-01') AS whole
  FROM charging_session
  WHERE vehicle_id = $3 AND tstzrange(started_at, ended_at) && tstzrange($1, $2, '()')
),
session_parts AS (
  SELECT b.local, s.meter_id, s.whole, o.after, o.upto
  FROM sessions s
  JOIN buckets b ON b.start < s.upto AND b."end" > s.after
  CROSS JOIN LATERAL (SELECT greatest(s.after, b.start) AS after, least(s.upto, b."end") AS upto) o
),
session_cuts AS (
  SELECT p.local, mz.kwh_micro - ma.kwh_micro AS ac, mz.covered - ma.covered AS ac_n,
         vz.kwh_micro - va.kwh_micro AS dc, vz.covered - va.covered AS dc_n
  FROM session_parts p
  CROSS JOIN LATERAL meter_cut(p.meter_id, p.upto) mz CROSS JOIN LATERAL meter_cut(p.meter_id, p.after) ma
  CROSS JOIN LATERAL vehicle_cut($3, p.upto) vz CROSS JOIN LATERAL vehicle_cut($3, p.after) va
  WHERE NOT p.whole
),
session_ac AS (
  SELECT local, sum(ac) AS ac, sum(n) AS n FROM (
    SELECT date_bin($4::interval, (upto - interval '1 microsecond') AT TIME ZONE $5::text, timestamp '2000-01-01') AS local, kwh_ac_micro AS ac, ac_readings AS n FROM sessions WHERE whole
    UNION ALL
    SELECT date_bin($4::interval, (h.ts - interval '1 microsecond') AT TIME ZONE $5::text, timestamp '2000-01-01'), (h.kwh_consumed_ac * 1000000)::bigint, 1 + h.bridged
    FROM sessions s JOIN meter_history h ON h.meter_id = s.meter_id AND h.ts > s.after AND h.ts <= s.upto
    WHERE NOT s.whole
    UNION ALL
    SELECT local, ac, ac_n FROM session_cuts WHERE ac <> 0 OR ac_n <> 0
  ) a
  GROUP BY 1
),
session_dc AS (
  SELECT local, sum(dc) AS dc, sum(n) AS n FROM (
    SELECT date_bin($4::interval, (upto - interval '1 microsecond') AT TIME ZONE $5::text, timestamp '2000-01-01') AS local, kwh_dc_micro AS dc, dc_readings AS n FROM sessions WHERE whole
    UNION ALL
    SELECT date_bin($4::interval, (h.ts - interval '1 microsecond') AT TIME ZONE $5::text, timestamp '2000-01-01'), (h.kwh_delivered_dc * 1000000)::bigint, 1 + h.bridged
    FROM sessions s JOIN vehicle_history h ON h.vehicle_id = $3 AND h.ts > s.after AND h.ts <= s.upto
    WHERE NOT s.whole
    UNION ALL
    SELECT local, dc, dc_n FROM session_cuts WHERE dc <> 0 OR dc_n <> 0
  ) d
  GROUP BY 1
),
session_expected AS (
  SELECT p.local, sum(greatest(floor(date_part('epoch', least(p.upto, now()) - p.after) / coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = p.meter_id AND d.kind = 'meter'), $6))
       - (date_part('epoch', now() - least(p.upto, now())) < coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = p.meter_id AND d.kind = 'meter'), $6))::int, 0)) AS ac_x,
         sum(greatest(floor(date_part('epoch', least(p.upto, now()) - p.after) / coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = $3 AND d.kind = 'vehicle'), $6))
              - (date_part('epoch', now() - least(p.upto, now())) < coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = $3 AND d.kind = 'vehicle'), $6))::int, 0)) AS dc_x
  FROM session_parts p
  GROUP BY p.local
)
SELECT v.start, v."end", v.readings, v.kwh_micro / 1000000.0 AS kwh,
       "socAvg", "socMin", "socMax", "batteryTempAvg", "batteryTempMin", "batteryTempMax",
       coalesce(ac.ac, 0) / 1000000.0 AS "kwhConsumedAc", round(dc.dc / nullif(ac.ac, 0), 3) AS "efficiencyRatio",
       CASE WHEN x.ac_x IS NULL THEN NULL WHEN x.ac_x <= 0 THEN 1.000
               ELSE least(1, round(coalesce(ac.n, 0)::numeric / x.ac_x::numeric, 3)) END AS "coverageAc", CASE WHEN x.dc_x IS NULL THEN NULL WHEN x.dc_x <= 0 THEN 1.000
                       ELSE least(1, round(coalesce(dc.n, 0)::numeric / x.dc_x::numeric, 3)) END AS "coverageDc"
FROM points v
LEFT JOIN session_ac ac USING (local)
LEFT JOIN session_dc dc USING (local)
LEFT JOIN session_expected x USING (local)
WHERE v.readings > 0 OR v.covered > 0 OR ac.ac IS NOT NULL
ORDER BY v.start
