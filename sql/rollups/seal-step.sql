-- SEAL_STATEMENTS.sealStep in src/analytics/rollup-seal.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT unit, hours_until, upto,
       date_trunc(unit, least(
         (SELECT min(ts) FROM meter_history WHERE ts > after),
         (SELECT min(ts) FROM vehicle_history WHERE ts > after)
       ) - interval '1 microsecond', 'UTC') AS next_bucket
FROM (
  SELECT hours_until,
         CASE WHEN days_until < day_limit THEN 'day' ELSE 'hour' END AS unit,
         CASE WHEN days_until < day_limit THEN days_until ELSE hours_until END AS after,
         CASE WHEN days_until < day_limit THEN day_limit ELSE $1 END AS upto
  FROM (
    SELECT hours_until, days_until, least($2::timestamptz, date_trunc('day', hours_until, 'UTC')) AS day_limit
    FROM rollup_seal
  ) AS mark
) AS step
WHERE after < upto
