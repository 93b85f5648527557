-- SERIES_STATEMENTS.meterSeries in src/analytics/series.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
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
  SELECT e.local, count(*) AS n, count(*) + sum(h.bridged) AS covered, sum((h.kwh_consumed_ac * 1000000)::bigint) AS kwh,
         min(h.voltage) AS voltage_min, max(h.voltage) AS voltage_max, sum(h.voltage::numeric) AS voltage_sum
  FROM edges e
  JOIN meter_history h ON h.meter_id = $3 AND h.ts > e.after AND h.ts <= e.upto
  GROUP BY e.local
),
cuts AS (
  SELECT p.local, z.kwh_micro - a.kwh_micro AS kwh, z.covered - a.covered AS covered
  FROM parts p CROSS JOIN LATERAL meter_cut($3, p.z) z CROSS JOIN LATERAL meter_cut($3, p.a) a
),
points AS (
  SELECT p.local, p.start, p."end", coalesce(r.n, 0) + coalesce(u.n, 0) AS readings,
         coalesce(r.covered, 0) + coalesce(u.covered, 0) + c.covered AS covered,
         coalesce(r.kwh, 0) + coalesce(u.kwh, 0) + c.kwh AS kwh_micro,
         round((coalesce(r.voltage_sum, 0) + coalesce(u.voltage_sum, 0)) / nullif(coalesce(r.n, 0) + coalesce(u.n, 0), 0), 3) AS "voltageAvg",
         least(r.voltage_min, u.voltage_min) AS "voltageMin",
         greatest(r.voltage_max, u.voltage_max) AS "voltageMax"
  FROM parts p
  JOIN cuts c USING (local)
  LEFT JOIN raw r USING (local)
  LEFT JOIN LATERAL (
    SELECT sum(readings) AS n, sum(readings + bridged) AS covered, sum(kwh_micro) AS kwh, min(u.voltage_min) AS voltage_min, max(u.voltage_max) AS voltage_max, sum(u.voltage_sum) AS voltage_sum
    FROM meter_rollup_hourly u
    WHERE u.meter_id = $3 AND u.hour >= p.lo AND u.hour < p.hi
  ) u ON p.lo < p.hi
)
SELECT p.start, p."end", readings, kwh_micro / 1000000.0 AS kwh, "voltageAvg", "voltageMin", "voltageMax",
       CASE WHEN (SELECT greatest(floor(date_part('epoch', least(w.z, now()) - w.a) / coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = $3 AND d.kind = 'meter'), $6))
            - (date_part('epoch', now() - least(w.z, now())) < coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = $3 AND d.kind = 'meter'), $6))::int, 0) FROM parts w WHERE w.local = p.local) IS NULL THEN NULL WHEN (SELECT greatest(floor(date_part('epoch', least(w.z, now()) - w.a) / coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = $3 AND d.kind = 'meter'), $6))
            - (date_part('epoch', now() - least(w.z, now())) < coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = $3 AND d.kind = 'meter'), $6))::int, 0) FROM parts w WHERE w.local = p.local) <= 0 THEN 1.000
               ELSE least(1, round(covered::numeric / (SELECT greatest(floor(date_part('epoch', least(w.z, now()) - w.a) / coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = $3 AND d.kind = 'meter'), $6))
            - (date_part('epoch', now() - least(w.z, now())) < coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = $3 AND d.kind = 'meter'), $6))::int, 0) FROM parts w WHERE w.local = p.local)::numeric, 3)) END AS coverage
FROM points p
WHERE readings > 0 OR covered > 0
ORDER BY p.start
