import type { DataSource } from 'typeorm';

/*
 * What the analytics answers should say about a vehicle's figures, recomputed straight from history,
 * the sessions and the device registry, written from the analytics contract of issue 21 and not from the
 * service's statements: no rollups, no stored session energy, no split of spans into hours.
 */

/** The figures the coverage property compares, in the shape the answers give them. */
export interface Judgement {
  totalKwhConsumedAc: number;
  totalKwhDeliveredDc: number;
  efficiencyRatio: number | null;
  coverageAc: number | null;
  coverageDc: number | null;
  dataQuality: string[];
  lowEfficiency: boolean;
}

export interface Settings {
  /** READING_INTERVAL_SECONDS: what an unregistered device, or one registered without an interval, reports at. */
  interval: number;
  minCoverage: number;
  threshold: number;
}

/*
 * $1 from, $2 to, $3 the vehicle, $4 the meter asked about or null, $5-$7 the settings. A session shares
 * a reading with the window when started_at < to and it ends after from (or never): its readings are
 * those with started_at < ts <= ended_at, clipped to from < ts <= to. A span (a, b] owes one reading per
 * whole interval of the device up to now(), and one less when it reaches less than an interval before
 * now(): its newest reading may still be on its way.
 */
const JUDGEMENT = `
  WITH own AS (
    SELECT meter_id, greatest(started_at, $1::timestamptz) AS a,
           CASE WHEN ended_at IS NULL OR ended_at > $2::timestamptz THEN $2::timestamptz ELSE ended_at END AS b
    FROM charging_session
    WHERE vehicle_id = $3 AND started_at < $2::timestamptz AND (ended_at IS NULL OR ended_at > $1::timestamptz)
  ),
  -- The meter asked about charged someone else in the window: its AC over the window is not all ours.
  shared AS (
    SELECT EXISTS (
      SELECT 1 FROM charging_session
      WHERE meter_id = $4 AND vehicle_id <> $3 AND started_at < $2::timestamptz
        AND (ended_at IS NULL OR ended_at > $1::timestamptz)
    ) AS yes
  ),
  spans AS (
    SELECT meter_id, a, b FROM own WHERE $4::text IS NULL
    UNION ALL SELECT o.meter_id, o.a, o.b FROM own o, shared WHERE shared.yes AND o.meter_id = $4
    UNION ALL SELECT $4::text, $1::timestamptz, $2::timestamptz FROM shared WHERE $4::text IS NOT NULL AND NOT shared.yes
  ),
  per_span AS (
    SELECT m.n AS ac_n, m.micro AS ac, v.n AS dc_n, v.micro AS dc,
           greatest(floor(extract(epoch FROM least(s.b, now()) - s.a) / i.meter) - CASE WHEN least(s.b, now()) > now() - i.meter * interval '1 second' THEN 1 ELSE 0 END, 0) AS ac_x,
           greatest(floor(extract(epoch FROM least(s.b, now()) - s.a) / i.vehicle) - CASE WHEN least(s.b, now()) > now() - i.vehicle * interval '1 second' THEN 1 ELSE 0 END, 0) AS dc_x
    FROM spans s
    LEFT JOIN device dm ON dm.id = s.meter_id AND dm.kind = 'meter'
    LEFT JOIN device dv ON dv.id = $3 AND dv.kind = 'vehicle'
    -- The interval each device reports at: its registry record's, else the setting.
    CROSS JOIN LATERAL (
      SELECT coalesce(dm.reporting_interval_s, $5::int) AS meter, coalesce(dv.reporting_interval_s, $5::int) AS vehicle
    ) i
    CROSS JOIN LATERAL (
      SELECT count(*) AS n, coalesce(sum((h.kwh_consumed_ac * 1000000)::bigint), 0) AS micro
      FROM meter_history h WHERE h.meter_id = s.meter_id AND h.ts > s.a AND h.ts <= s.b
    ) m
    CROSS JOIN LATERAL (
      SELECT count(*) AS n, coalesce(sum((h.kwh_delivered_dc * 1000000)::bigint), 0) AS micro
      FROM vehicle_history h WHERE h.vehicle_id = $3 AND h.ts > s.a AND h.ts <= s.b
    ) v
  ),
  totals AS (
    SELECT count(*) AS spans, coalesce(sum(ac), 0) AS ac, coalesce(sum(dc), 0) AS dc,
           sum(ac_n) AS ac_n, sum(dc_n) AS dc_n, sum(ac_x) AS ac_x, sum(dc_x) AS dc_x,
           (SELECT coalesce(sum((h.kwh_delivered_dc * 1000000)::bigint), 0) FROM vehicle_history h
            WHERE h.vehicle_id = $3 AND h.ts > $1::timestamptz AND h.ts <= $2::timestamptz) AS dc_window
    FROM per_span
  ),
  judged AS (
    SELECT t.*, (SELECT yes FROM shared) AS shared, round(t.dc / nullif(t.ac, 0), 3) AS ratio,
           CASE WHEN t.spans = 0 THEN NULL WHEN t.ac_x = 0 THEN 1 ELSE least(1, round(t.ac_n / t.ac_x, 3)) END AS cov_ac,
           CASE WHEN t.spans = 0 THEN NULL WHEN t.dc_x = 0 THEN 1 ELSE least(1, round(t.dc_n / t.dc_x, 3)) END AS cov_dc
    FROM totals t
  )
  SELECT ac / 1000000.0 AS ac, dc / 1000000.0 AS dc, ratio, cov_ac, cov_dc, flags,
         coalesce(ratio < $7 AND cardinality(flags) = 0, false) AS low
  FROM judged j
  CROSS JOIN LATERAL (
    SELECT array_remove(ARRAY[
      CASE WHEN j.dc > j.ac THEN 'dc-exceeds-ac' END,
      CASE WHEN j.shared AND j.spans = 0 THEN 'shared-meter' END,
      CASE WHEN j.cov_ac < $6 THEN 'incomplete-ac' END,
      CASE WHEN j.cov_dc < $6 THEN 'incomplete-dc' END,
      CASE WHEN $4::text IS NULL AND j.spans = 0 AND j.dc_window > 0 THEN 'no-session' END
    ], NULL)::text[] AS flags
  ) f`;

interface JudgementRow {
  ac: string;
  dc: string;
  ratio: string | null;
  cov_ac: string | null;
  cov_dc: string | null;
  flags: string[];
  low: boolean;
}

const numberOrNull = (value: string | null) => (value === null ? null : Number(value));

export async function judgement(
  dataSource: DataSource,
  window: { from: string; to: string },
  vehicleId: string,
  meterId: string | null,
  { interval, minCoverage, threshold }: Settings,
): Promise<Judgement> {
  const [row] = await dataSource.query<JudgementRow[]>(JUDGEMENT, [
    window.from,
    window.to,
    vehicleId,
    meterId,
    interval,
    minCoverage,
    threshold,
  ]);
  return {
    totalKwhConsumedAc: Number(row.ac),
    totalKwhDeliveredDc: Number(row.dc),
    efficiencyRatio: numberOrNull(row.ratio),
    coverageAc: numberOrNull(row.cov_ac),
    coverageDc: numberOrNull(row.cov_dc),
    dataQuality: [...row.flags].sort(),
    lowEfficiency: row.low,
  };
}

/** The fleet list's vehicles: those with a session in the window, and those that delivered DC in it without one. */
export async function fleetMembers(dataSource: DataSource, window: { from: string; to: string }): Promise<string[]> {
  const rows = await dataSource.query<Array<{ vehicle_id: string }>>(
    `SELECT vehicle_id FROM charging_session
     WHERE started_at < $2::timestamptz AND (ended_at IS NULL OR ended_at > $1::timestamptz)
     UNION
     SELECT vehicle_id FROM vehicle_history WHERE ts > $1::timestamptz AND ts <= $2::timestamptz
     GROUP BY vehicle_id HAVING sum((kwh_delivered_dc * 1000000)::bigint) > 0`,
    [window.from, window.to],
  );
  return rows.map((row) => row.vehicle_id).sort();
}

/** The same fields of an answer, to compare with a judgement; the contract names the flags, not their order. */
export const judged = (answer: Judgement): Judgement => ({
  totalKwhConsumedAc: answer.totalKwhConsumedAc,
  totalKwhDeliveredDc: answer.totalKwhDeliveredDc,
  efficiencyRatio: answer.efficiencyRatio,
  coverageAc: answer.coverageAc,
  coverageDc: answer.coverageDc,
  dataQuality: [...answer.dataQuality].sort(),
  lowEfficiency: answer.lowEfficiency,
});
