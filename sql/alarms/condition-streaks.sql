-- CONDITION_STATEMENTS.streaks in src/alarms/alarm-conditions.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT v.vehicle_id AS "vehicleId", bool_and(c.ratio < $2) AS low, bool_and(c.ratio >= $2 + $3) AS fine,
       jsonb_agg(jsonb_build_object('id', c.id, 'meterId', c.meter_id, 'startedAt', c.started_at,
                                    'endedAt', c.ended_at, 'efficiencyRatio', c.ratio)
                 ORDER BY c.ended_at DESC) AS sessions
FROM vehicle_live v
CROSS JOIN LATERAL (
  SELECT s.id, s.meter_id, s.started_at, s.ended_at, round(s.kwh_dc_micro / s.kwh_ac_micro, 3)::float8 AS ratio
  FROM (
    SELECT * FROM charging_session
    WHERE vehicle_id = v.vehicle_id AND ended_at IS NOT NULL AND kwh_ac_micro IS NOT NULL AND kwh_dc_micro IS NOT NULL
    ORDER BY ended_at DESC
    LIMIT greatest(20, 3 * $1)
  ) s
  WHERE s.kwh_ac_micro > 0 AND s.kwh_dc_micro <= s.kwh_ac_micro
    AND CASE WHEN greatest(floor(date_part('epoch', least(s.ended_at, now()) - s.started_at) / coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.meter_id AND d.kind = 'meter'), $5))
         - (date_part('epoch', now() - least(s.ended_at, now())) < coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.meter_id AND d.kind = 'meter'), $5))::int, 0) IS NULL THEN NULL WHEN greatest(floor(date_part('epoch', least(s.ended_at, now()) - s.started_at) / coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.meter_id AND d.kind = 'meter'), $5))
         - (date_part('epoch', now() - least(s.ended_at, now())) < coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.meter_id AND d.kind = 'meter'), $5))::int, 0) <= 0 THEN 1.000
            ELSE least(1, round(s.ac_readings::numeric / greatest(floor(date_part('epoch', least(s.ended_at, now()) - s.started_at) / coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.meter_id AND d.kind = 'meter'), $5))
         - (date_part('epoch', now() - least(s.ended_at, now())) < coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.meter_id AND d.kind = 'meter'), $5))::int, 0)::numeric, 3)) END >= $4
    AND CASE WHEN greatest(floor(date_part('epoch', least(s.ended_at, now()) - s.started_at) / coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.vehicle_id AND d.kind = 'vehicle'), $5))
         - (date_part('epoch', now() - least(s.ended_at, now())) < coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.vehicle_id AND d.kind = 'vehicle'), $5))::int, 0) IS NULL THEN NULL WHEN greatest(floor(date_part('epoch', least(s.ended_at, now()) - s.started_at) / coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.vehicle_id AND d.kind = 'vehicle'), $5))
         - (date_part('epoch', now() - least(s.ended_at, now())) < coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.vehicle_id AND d.kind = 'vehicle'), $5))::int, 0) <= 0 THEN 1.000
            ELSE least(1, round(s.dc_readings::numeric / greatest(floor(date_part('epoch', least(s.ended_at, now()) - s.started_at) / coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.vehicle_id AND d.kind = 'vehicle'), $5))
         - (date_part('epoch', now() - least(s.ended_at, now())) < coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = s.vehicle_id AND d.kind = 'vehicle'), $5))::int, 0)::numeric, 3)) END >= $4
  ORDER BY s.ended_at DESC
  LIMIT $1
) c
GROUP BY v.vehicle_id
HAVING count(*) = $1
