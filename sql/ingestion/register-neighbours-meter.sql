-- REGISTER_STATEMENTS.neighbours.meter in src/ingestion/register.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT d.id, n.part, n.ts, n.register, n.base, n.energy, n.event, n.bridged, n.gap_from, v.reporting_interval_s AS interval_s
FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[]) AS d(id, lo, hi, newest)
LEFT JOIN device v ON v.id = d.id
LEFT JOIN LATERAL (
  (SELECT 0 AS part, ts, kwh_register_ac AS register, register_base AS base, kwh_consumed_ac AS energy, register_event AS event, bridged, gap_from FROM meter_history
   WHERE meter_id = d.id AND ts < d.lo AND kwh_register_ac IS NOT NULL ORDER BY ts DESC LIMIT 1)
  UNION ALL
  (SELECT 1, ts, kwh_register_ac AS register, register_base AS base, kwh_consumed_ac AS energy, register_event AS event, bridged, gap_from FROM meter_history
   WHERE (d.newest IS NULL OR d.newest >= d.lo) AND meter_id = d.id AND ts >= d.lo AND ts <= d.hi)
  UNION ALL
  (SELECT 2, ts, kwh_register_ac AS register, register_base AS base, kwh_consumed_ac AS energy, register_event AS event, bridged, gap_from FROM meter_history
   WHERE (d.newest IS NULL OR d.newest > d.hi) AND meter_id = d.id AND ts > d.hi AND kwh_register_ac IS NOT NULL
   ORDER BY ts LIMIT 1)
) n ON true
