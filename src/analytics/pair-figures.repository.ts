import { sql } from '../db/sql';
import { AC, DC, split, sums } from './hourly-sums.repository';

/** The whole hours of a pair's periods `b.hours`, a multirange: never overlapping. */
const PERIOD_HOURS = 'r.hour >= lower(b.hours) AND r.hour < upper(b.hours) AND b.hours @> r.hour';

/** Where a statement keeps the settings the figures are judged by. */
export interface Judged {
  /** READING_INTERVAL_SECONDS, for devices whose registry record sets no interval. */
  interval: string;
  minCoverage: string;
  threshold: string;
}

/**
 * The readings a device reporting every `interval` seconds owes for (from, until]: one per whole
 * interval up to now (a window may reach into the future, where nothing is owed yet), whatever the
 * phase of its clock against the span's edges. A span reaching less than one interval before now owes
 * one less: its newest reading may still be on its way. Seconds as float8 (date_part) rather than
 * numeric (extract): a whole count of readings is exact either way, and a month of sessions adds them
 * up several times faster.
 */
export const expectedOver = (from: string, until: string, interval: string) =>
  `greatest(floor(date_part('epoch', least(${until}, now()) - ${from}) / ${interval})
     - (date_part('epoch', now() - least(${until}, now())) < ${interval})::int, 0)`;

/** The same for the device `device` of `kind`: at its registry record's interval, else at `fallback`. */
export const expected = (from: string, until: string, device: string, kind: 'meter' | 'vehicle', fallback: string) =>
  expectedOver(
    from,
    until,
    `coalesce((SELECT d.reporting_interval_s FROM device d WHERE d.id = ${device} AND d.kind = '${kind}'), ${fallback})`,
  );

/**
 * The data-quality flags figures raise on their own readings (`alias` holding ac, dc, ac_cov, dc_cov):
 * more DC than AC, which no charger can do, and a side with too few of its readings to trust.
 */
export const readingFlags = (alias: string, minCoverage: string) =>
  [
    `CASE WHEN ${alias}.dc > ${alias}.ac THEN 'dc-exceeds-ac' END`,
    `CASE WHEN ${alias}.ac_cov < ${minCoverage} THEN 'incomplete-ac' END`,
    `CASE WHEN ${alias}.dc_cov < ${minCoverage} THEN 'incomplete-dc' END`,
  ].join(',\n');

/** Readings over expected, to 3 decimals like the ratio: what is shown is what is compared. */
export const coverage = (readings: string, expectedReadings: string) =>
  `CASE WHEN ${expectedReadings} IS NULL THEN NULL WHEN ${expectedReadings} <= 0 THEN 1.000
        ELSE least(1, round(${readings}::numeric / ${expectedReadings}::numeric, 3)) END`;

/**
 * The figures of each pair (vehicle, meter): the AC the meter drew and the DC the vehicle took over
 * the periods the meter is attributed to the vehicle, with the readings behind each side and the
 * readings expected. `sources` defines `stored` (per pair: the energy, readings and expected readings
 * that counted sessions wholly inside the window carry, and their number) and `attribution` (the
 * other periods, one row each, clipped to the window). A vehicle's periods never overlap, so the whole
 * hours of each pair's periods, gathered into a multirange, take one rollup scan per side; each
 * period's partial hours are read from history on their own.
 *
 * A pair is complete when both sides reached the minimum coverage and the DC does not exceed the AC:
 * only then does its ratio say anything about the vehicle or the charger. Complete pairs are `low`
 * below the threshold and `fine` otherwise.
 */
export function pairFigures(sources: string, judged: Judged): string {
  return sql`
    ${sources},
    spans AS (
      ${split('attribution')}
    ),
    edges AS (
      SELECT s.vehicle_id, s.meter_id, count(*) AS sessions, sum(m.ac) AS ac, sum(m.ac_n) AS ac_n,
             sum(d.dc) AS dc, sum(d.dc_n) AS dc_n,
             sum(${expected('s.from_ts', 's.until_ts', 's.meter_id', 'meter', judged.interval)}) AS ac_x,
             sum(${expected('s.from_ts', 's.until_ts', 's.vehicle_id', 'vehicle', judged.interval)}) AS dc_x
      FROM spans s
      CROSS JOIN LATERAL (
        ${sums(AC, 's.meter_id', { edges: true })}
      ) m
      CROSS JOIN LATERAL (
        ${sums(DC, 's.vehicle_id', { edges: true })}
      ) d
      GROUP BY s.vehicle_id, s.meter_id
    ),
    whole AS (
      SELECT b.vehicle_id, b.meter_id, m.ac, m.ac_n, d.dc, d.dc_n
      FROM (
        SELECT vehicle_id, meter_id, range_agg(tstzrange(first_hour, tail_start)) AS hours FROM spans GROUP BY 1, 2
      ) b
      CROSS JOIN LATERAL (
        ${sums(AC, 'b.meter_id', { hours: [PERIOD_HOURS] })}
      ) m
      CROSS JOIN LATERAL (
        ${sums(DC, 'b.vehicle_id', { hours: [PERIOD_HOURS] })}
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
      SELECT p.*, c.ratio, c.ac_cov, c.dc_cov, k.complete, k.complete AND c.ratio < ${judged.threshold} AS low,
             k.complete AND c.ratio >= ${judged.threshold} AS fine
      FROM pairs p
      CROSS JOIN LATERAL (
        SELECT round(p.dc / nullif(p.ac, 0), 3) AS ratio, ${coverage('p.ac_n', 'p.ac_x')} AS ac_cov,
               ${coverage('p.dc_n', 'p.dc_x')} AS dc_cov
      ) c
      CROSS JOIN LATERAL (
        SELECT p.ac > 0 AND p.dc <= p.ac AND c.ac_cov >= ${judged.minCoverage} AND c.dc_cov >= ${judged.minCoverage} AS complete
      ) k
    )`;
}

/**
 * Charger or vehicle, from the pairs: a meter on which at least two vehicles charged with complete
 * figures, every one of them low there, while at least one of them is fine on another meter, is the
 * likely culprit (`charger_suspects`); so is a vehicle low on each of at least two meters while another
 * vehicle is fine on one of them (`vehicle_suspects`). Without such a comparison nobody is named. A
 * vehicle has one pair per meter, so a vehicle low on a meter is fine only on others, and a meter that
 * someone is fine on is so for another vehicle than one low on it: "fine somewhere" is all it takes.
 */
export const SUSPECTS = sql`
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
  )`;

/**
 * Per vehicle, over its pairs `p` joined with `charger_suspects c`: whether any pair is low, whether
 * every low pair is on a suspected charger, and its complete pairs, the evidence a suspect is named on.
 */
export const EVIDENCE_COLUMNS = `bool_or(p.low) AS any_low, bool_and(NOT p.low OR c.meter_id IS NOT NULL) AS low_only_on_suspects,
  jsonb_agg(jsonb_build_object('meterId', p.meter_id, 'ratio', p.ratio, 'low', p.low, 'ac', p.ac, 'dc', p.dc,
                               'chargerSuspect', c.meter_id IS NOT NULL) ORDER BY p.meter_id) FILTER (WHERE p.complete) AS pairs`;
