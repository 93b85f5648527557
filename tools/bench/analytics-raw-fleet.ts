/**
 * The fleet statement as it ran before the hourly rollups (sql/analytics/fleet.sql at 5df19df): every
 * figure summed from history alone, each vehicle's window of readings scanned in full. Kept here only
 * as the benchmark's "before rollups" baseline, run on the same database with the same parameters as
 * AnalyticsRepository.fleetFigures, so both columns of the report come from one run on one machine.
 */
export const RAW_FLEET = `
SELECT * FROM (
  WITH
  sessions AS (
    SELECT vehicle_id, meter_id, started_at, ended_at FROM charging_session
    WHERE tstzrange(started_at, ended_at) && tstzrange($1, $2, '()')
  ),
  vehicles AS (SELECT DISTINCT vehicle_id FROM sessions),
  attribution AS (
    SELECT vehicle_id, meter_id, greatest(started_at, $1) AS from_ts, coalesce(ended_at, 'infinity') AS until_ts
    FROM sessions
  ),
  attributed AS (
    SELECT a.vehicle_id, array_agg(DISTINCT a.meter_id ORDER BY a.meter_id) AS meter_ids,
           coalesce(sum(m.micro), 0) AS ac, range_agg(tstzrange(a.from_ts, a.until_ts, '(]')) AS periods
    FROM attribution a
    CROSS JOIN LATERAL (
      SELECT sum((h.kwh_consumed_ac * 1000000)::bigint) AS micro
      FROM meter_history h
      -- from_ts is never before $1; saying so lets the planner prune partitions before the window.
      WHERE h.meter_id = a.meter_id AND h.ts > $1 AND h.ts > a.from_ts AND h.ts <= a.until_ts AND h.ts <= $2
    ) m
    GROUP BY a.vehicle_id
  ),
  totals AS (
    SELECT v.vehicle_id, coalesce(p.ac, 0) AS ac, coalesce(p.meter_ids, '{}') AS meter_ids, r.*
    FROM vehicles v
    LEFT JOIN attributed p USING (vehicle_id)
    CROSS JOIN LATERAL (
      SELECT count(*) AS record_count, round(avg(h.battery_temp)::numeric, 3) AS temp,
             coalesce(sum((h.kwh_delivered_dc * 1000000)::bigint), 0) AS dc_window,
             coalesce(sum((h.kwh_delivered_dc * 1000000)::bigint) FILTER (WHERE p.periods @> h.ts), 0) AS dc
      FROM vehicle_history h
      WHERE h.vehicle_id = v.vehicle_id AND h.ts > $1 AND h.ts <= $2
    ) r
  )
  SELECT vehicle_id AS "vehicleId", ac / 1000000.0 AS ac, dc / 1000000.0 AS dc,
         (dc_window - dc) / 1000000.0 AS "dcOutside", round(dc / nullif(ac, 0), 3) AS ratio, dc > ac AS "dcExceedsAc",
         temp, record_count AS "recordCount", meter_ids AS "meterIds"
  FROM totals
) f
WHERE $3::boolean IS NULL OR (ratio IS NULL, coalesce(ratio, 0), "vehicleId") > ($3, $4::numeric, $5::text)
ORDER BY ratio IS NULL, coalesce(ratio, 0), "vehicleId"
LIMIT $6
`;
