import type { DataSource } from 'typeorm';
import { sql } from '../db/sql';
import type { FleetFilter, FleetPosition, Window } from './analytics.dto';
import type { DataQualityFlag, Suspect } from './analytics.responses';
import { split, sums, VEHICLE_WINDOW, WHOLE_HOURS } from './hourly-sums.repository';
import {
  coverage,
  EVIDENCE_COLUMNS,
  expectedOver,
  pairFigures,
  readingFlags,
  SUSPECTS,
  type Judged,
} from './pair-figures.repository';

/** One vehicle's figures over a window, as the database computed and judged them. */
export interface VehicleFigures {
  vehicleId: string;
  /** AC the attributed meters counted inside the attribution periods. */
  totalKwhConsumedAc: number;
  /** DC the vehicle reported inside the same periods: the energy the ratio compares with that AC. */
  totalKwhDeliveredDc: number;
  /** DC the vehicle reported in the window outside those periods; never part of the ratio. */
  kwhDeliveredDcOutsideSessions: number;
  /** DC / AC rounded to 3 decimals; null when no AC was attributed. */
  efficiencyRatio: number | null;
  /** The share of the readings expected over the periods that arrived, per side; null without periods. */
  coverageAc: number | null;
  coverageDc: number | null;
  averageBatteryTemp: number | null;
  /** The vehicle's readings in the window, inside the periods or not. */
  recordCount: number;
  meterIds: string[];
  /** A ratio below the threshold on figures no data-quality flag casts doubt on. */
  lowEfficiency: boolean;
  dataQuality: DataQualityFlag[];
}

/** A pair (this vehicle, a meter) with complete figures, the evidence a suspect is named on. */
export interface PairEvidence {
  meterId: string;
  ratio: number;
  low: boolean;
  /** micro-kWh */
  ac: number;
  dc: number;
  /** The meter is itself a suspect. */
  chargerSuspect: boolean;
}

export interface FleetFigures extends VehicleFigures {
  suspect: Suspect | null;
  /** The vehicle's complete pairs when a suspect is named, else empty. */
  evidence: PairEvidence[];
}

interface FiguresRow {
  vehicleId: string;
  ac: string;
  dc: string;
  dcOutside: string;
  ratio: string | null;
  coverageAc: string | null;
  coverageDc: string | null;
  temp: string | null;
  /** A bigint, as text. */
  recordCount: string;
  meterIds: string[];
  lowEfficiency: boolean;
  dataQuality: DataQualityFlag[];
  suspect?: Suspect | null;
  evidence?: PairEvidence[] | null;
}

/**
 * For the fleet ranking: the likely culprit of each vehicle's low figures where the pairs show one, with
 * the vehicle's complete pairs as the evidence; a vehicle low on its own across chargers is named before
 * a charger, and a charger only when each of the vehicle's low pairs is on a suspected charger. The
 * evidence is gathered with the vehicle's totals, in the same grouping of its pairs.
 */
const RANKING = {
  attributed: { columns: `, ${EVIDENCE_COLUMNS}`, from: 'LEFT JOIN charger_suspects c ON c.meter_id = p.meter_id' },
  totals: 'p.any_low, p.low_only_on_suspects, p.pairs, ',
  columns: `, r.suspect, CASE WHEN r.suspect IS NOT NULL THEN j.pairs END AS evidence`,
  from: sql`
    LEFT JOIN vehicle_suspects v ON v.vehicle_id = j.vehicle_id
    CROSS JOIN LATERAL (
      SELECT CASE
        WHEN v.vehicle_id IS NOT NULL THEN 'vehicle'
        WHEN j.low AND j.any_low AND j.low_only_on_suspects THEN 'charger'
      END AS suspect
    ) r
    WHERE j.ac_x IS NOT NULL OR j.dc_window > 0`,
};

/*
 * Every statement takes the window as $1 (from) and $2 (to). A reading's energy is what flowed in
 * the interval that ends at its timestamp, so a reading counts for the window when from < ts <= to,
 * and for an attribution period when from_ts < ts <= until_ts. Energy is summed in integer micro-kWh:
 * exact whatever the number of readings and their order (a float8 sum is neither). So 1.1 + 2.2
 * totals 3.3, and the ratio of the exact totals rounds the way a person checking it by hand would.
 *
 * The per-pair figures (pair-figures.repository.ts) add up to the vehicle's: its AC and DC over its
 * periods, and the readings behind each side against those expected, its coverage. Every other sum
 * takes the whole hours of its span from the rollups and only the partial hours at its edges from
 * history: the sealed whole days from the daily rollups, the hours around them from the hourly ones.
 * The average temperature is the exact numeric sum over the count, which is what avg(numeric) computes.
 *
 * The figures are judged here, once, for every answer and filter: `dataQuality` lists what casts doubt
 * on them, and only a ratio below the threshold without any such doubt is `lowEfficiency`.
 * `meter_shared` says whether a meter asked about fed other vehicles in the window.
 */
function figures(sources: string, judged: Judged, ranking = false): string {
  return sql`
    WITH
    ${pairFigures(sources, judged)},
    ${ranking ? `${SUSPECTS},\n` : ''}attributed AS (
      SELECT p.vehicle_id, sum(p.ac) AS ac, sum(p.dc) AS dc, sum(p.ac_n) AS ac_n, sum(p.dc_n) AS dc_n,
             sum(p.ac_x) AS ac_x, sum(p.dc_x) AS dc_x,
             array_agg(p.meter_id ORDER BY p.meter_id) AS meter_ids${ranking ? RANKING.attributed.columns : ''}
      FROM pair_figures p ${ranking ? RANKING.attributed.from : ''}
      GROUP BY p.vehicle_id
    ),
    window_span AS (
      ${split(`(SELECT $1::timestamptz AS from_ts, $2::timestamptz AS until_ts)`)}
    ),
    totals AS (
      SELECT v.vehicle_id, coalesce(p.ac, 0) AS ac, coalesce(p.dc, 0) AS dc, coalesce(p.meter_ids, '{}') AS meter_ids,
             p.ac_n, p.ac_x, p.dc_n, p.dc_x, ${ranking ? RANKING.totals : ''}w.dc_window, w.record_count, w.temp_sum
      FROM vehicles v
      LEFT JOIN attributed p USING (vehicle_id)
      CROSS JOIN window_span s
      CROSS JOIN LATERAL (
        ${sums(VEHICLE_WINDOW, 'v.vehicle_id', { ...WHOLE_HOURS, edges: true })}
      ) w
    ),
    judged AS (
      SELECT t.*, c.*, f.flags, c.ratio < ${judged.threshold} AND cardinality(f.flags) = 0 AS low
      FROM totals t
      CROSS JOIN LATERAL (
        SELECT round(t.dc / nullif(t.ac, 0), 3) AS ratio, ${coverage('t.ac_n', 't.ac_x')} AS ac_cov,
               ${coverage('t.dc_n', 't.dc_x')} AS dc_cov
      ) c
      CROSS JOIN LATERAL (
        SELECT array_remove(ARRAY[
          ${readingFlags('q', judged.minCoverage)},
          CASE WHEN (SELECT shared FROM meter_shared) AND t.ac_x IS NULL THEN 'shared-meter' END,
          CASE WHEN t.ac_x IS NULL AND t.dc_window > 0 AND NOT (SELECT shared FROM meter_shared) THEN 'no-session' END
        ], NULL) AS flags
        FROM (SELECT t.ac, t.dc, c.ac_cov, c.dc_cov) q
      ) f
    )
    SELECT j.vehicle_id AS "vehicleId", j.ac / 1000000.0 AS ac, j.dc / 1000000.0 AS dc,
           (j.dc_window - j.dc) / 1000000.0 AS "dcOutside", j.ratio, j.ac_cov AS "coverageAc", j.dc_cov AS "coverageDc",
           round(j.temp_sum / nullif(j.record_count, 0), 3) AS temp, j.record_count::bigint AS "recordCount",
           j.meter_ids AS "meterIds", coalesce(j.low, false) AS "lowEfficiency", j.flags AS "dataQuality"${ranking ? RANKING.columns : ''}
    FROM judged j
    ${ranking ? RANKING.from : ''}`;
}

/**
 * A session counts for the readings with started_at < ts <= ended_at, so it shares a reading with the
 * window when started_at < to and ended_at > from (or is ongoing). That is exactly the overlap of
 * [started_at, ended_at) with the open range (from, to), written so on the expression the GiST indexes
 * are built on. A counted session (closed, its energy and readings stored) with started_at >= from and
 * ended_at <= to has all its readings in the window, so what it stores is its share; the others are
 * clipped to the window and read.
 */
const SESSIONS_IN_WINDOW = sql`
  SELECT vehicle_id, meter_id, started_at, ended_at, kwh_ac_micro, kwh_dc_micro, ac_readings, dc_readings,
         kwh_ac_micro IS NOT NULL AND kwh_dc_micro IS NOT NULL AND ac_readings IS NOT NULL AND dc_readings IS NOT NULL
           AND started_at >= $1 AND ended_at <= $2 AS inside
  FROM charging_session
  WHERE tstzrange(started_at, ended_at) && tstzrange($1, $2, '()')`;

const sessionAttribution = (judged: Judged) => sql`
  meter_shared AS (SELECT false AS shared),
  stored AS (
    SELECT s.vehicle_id, s.meter_id, count(*) AS sessions, sum(s.kwh_ac_micro) AS ac, sum(s.kwh_dc_micro) AS dc,
           sum(s.ac_readings) AS ac_n, sum(s.dc_readings) AS dc_n,
           sum(${expectedOver('s.started_at', 's.ended_at', `coalesce(m.reporting_interval_s, ${judged.interval})`)}) AS ac_x,
           sum(${expectedOver('s.started_at', 's.ended_at', `coalesce(v.reporting_interval_s, ${judged.interval})`)}) AS dc_x
    FROM sessions s
    LEFT JOIN device m ON m.id = s.meter_id AND m.kind = 'meter'
    LEFT JOIN device v ON v.id = s.vehicle_id AND v.kind = 'vehicle'
    WHERE s.inside
    GROUP BY s.vehicle_id, s.meter_id
  ),
  attribution AS (
    SELECT vehicle_id, meter_id, greatest(started_at, $1) AS from_ts, least(coalesce(ended_at, 'infinity'), $2) AS until_ts
    FROM sessions WHERE NOT inside
  )`;

/**
 * The sessions in the window that `only` keeps (all without it), with the vehicles the answer lists:
 * the fleet list and the meter view judge each vehicle and charger against the others.
 */
export const fleetSessions = (judged: Judged, vehicles: string, only = 'true') => sql`
  sessions AS (
    ${SESSIONS_IN_WINDOW} AND ${only}
  ),
  vehicles AS (
    ${vehicles}
  ),
  ${sessionAttribution(judged)}`;

const BY_SESSIONS: Judged = { interval: '$4', minCoverage: '$5', threshold: '$6' };

const VEHICLE_BY_SESSIONS = figures(
  sql`
    sessions AS (
      ${SESSIONS_IN_WINDOW} AND vehicle_id = $3
    ),
    vehicles AS (SELECT $3::text AS vehicle_id),
    ${sessionAttribution(BY_SESSIONS)}`,
  BY_SESSIONS,
);

const BY_METER: Judged = { interval: '$5', minCoverage: '$6', threshold: '$7' };

/**
 * The meter given stands for the vehicle's charger over the whole window (one period, the window),
 * unless it fed other vehicles in the window: then all of its AC is not this vehicle's, and only this
 * vehicle's own sessions on it count, clipped to the window.
 */
const VEHICLE_BY_METER = figures(
  sql`
    vehicles AS (SELECT $3::text AS vehicle_id),
    meter_shared AS (
      SELECT EXISTS (
        SELECT FROM charging_session
        WHERE meter_id = $4 AND vehicle_id <> $3 AND tstzrange(started_at, ended_at) && tstzrange($1, $2, '()')
      ) AS shared
    ),
    stored AS (
      SELECT NULL::text AS vehicle_id, NULL::text AS meter_id, 0::bigint AS sessions, 0::numeric AS ac, 0::numeric AS dc,
             0::numeric AS ac_n, 0::numeric AS dc_n, 0::numeric AS ac_x, 0::numeric AS dc_x
      WHERE false
    ),
    attribution AS (
      SELECT $3::text AS vehicle_id, $4::text AS meter_id, $1::timestamptz AS from_ts, $2::timestamptz AS until_ts
      FROM meter_shared WHERE NOT shared
      UNION ALL
      SELECT vehicle_id, meter_id, greatest(started_at, $1), least(coalesce(ended_at, 'infinity'), $2)
      FROM charging_session, meter_shared
      WHERE shared AND meter_id = $4 AND vehicle_id = $3 AND tstzrange(started_at, ended_at) && tstzrange($1, $2, '()')
    )`,
  BY_METER,
);

const FLEET_JUDGED: Judged = { interval: '$10', minCoverage: '$11', threshold: '$8' };

/**
 * Every vehicle with a session in the window, or with DC delivered in it and no session (a live
 * reading after the window start is the cheap sign of a vehicle that may have one), judged and with
 * the likely culprit named where the pairs show one: `evidence` is the vehicle's complete pairs then.
 */
/**
 * Lowest ratio first, vehicles without AC last; $3-$5 is the position to continue after, if any. $7
 * keeps only the flagged vehicles (true) or the others (false); $9 only those carrying that data-quality
 * flag; $12 only those with that suspect. The vehicles are those with a session in the window, and
 * those with DC delivered in it and no session (a live reading after the window's start is the cheap
 * sign of a vehicle that may have some).
 */
const FLEET = sql`
  SELECT * FROM (
    ${figures(
      fleetSessions(
        FLEET_JUDGED,
        sql`
          SELECT vehicle_id FROM sessions
          UNION
          SELECT vehicle_id FROM vehicle_live WHERE ts > $1`,
      ),
      FLEET_JUDGED,
      true,
    )}
  ) f
  WHERE ($3::boolean IS NULL OR (ratio IS NULL, coalesce(ratio, 0), "vehicleId") > ($3, $4::numeric, $5::text))
    AND ($7::boolean IS NULL OR "lowEfficiency" = $7)
    AND ($9::text IS NULL OR $9 = ANY ("dataQuality"))
    AND ($12::text IS NULL OR suspect = $12)
  ORDER BY ratio IS NULL, coalesce(ratio, 0), "vehicleId"
  LIMIT $6`;

const VEHICLE_SEEN = sql`
  SELECT EXISTS (SELECT 1 FROM vehicle_live WHERE vehicle_id = $1)
      OR EXISTS (SELECT 1 FROM vehicle_history WHERE vehicle_id = $1) AS seen`;

/** Every statement this repository sends, by name; tools/sql-snapshots.ts keeps a readable copy of each under sql/. */
export const ANALYTICS_STATEMENTS = {
  vehicleBySessions: VEHICLE_BY_SESSIONS,
  vehicleByMeter: VEHICLE_BY_METER,
  fleet: FLEET,
  vehicleSeen: VEHICLE_SEEN,
};

export interface FiguresSettings {
  threshold: number;
  minCoverage: number;
  readingIntervalSeconds: number;
}

const figuresOf = (row: FiguresRow): VehicleFigures => ({
  vehicleId: row.vehicleId,
  totalKwhConsumedAc: Number(row.ac),
  totalKwhDeliveredDc: Number(row.dc),
  kwhDeliveredDcOutsideSessions: Number(row.dcOutside),
  efficiencyRatio: row.ratio === null ? null : Number(row.ratio),
  coverageAc: row.coverageAc === null ? null : Number(row.coverageAc),
  coverageDc: row.coverageDc === null ? null : Number(row.coverageDc),
  averageBatteryTemp: row.temp === null ? null : Number(row.temp),
  recordCount: Number(row.recordCount),
  meterIds: row.meterIds,
  lowEfficiency: row.lowEfficiency,
  dataQuality: row.dataQuality,
});

/** A pair of the evidence with its figures as numbers, whatever type the driver gave them. */
export const evidenceOf = (pair: PairEvidence): PairEvidence => ({
  ...pair,
  ratio: Number(pair.ratio),
  ac: Number(pair.ac),
  dc: Number(pair.dc),
});

export class AnalyticsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** AC from the given meter over the whole window, or else from the vehicle's sessions in it. */
  async vehicleFigures(
    vehicleId: string,
    window: Window,
    settings: FiguresSettings,
    meterId?: string,
  ): Promise<VehicleFigures> {
    const judged = [settings.readingIntervalSeconds, settings.minCoverage, settings.threshold];
    const [row] =
      meterId === undefined
        ? await this.dataSource.query<FiguresRow[]>(VEHICLE_BY_SESSIONS, [window.from, window.to, vehicleId, ...judged])
        : await this.dataSource.query<FiguresRow[]>(VEHICLE_BY_METER, [
            window.from,
            window.to,
            vehicleId,
            meterId,
            ...judged,
          ]);
    return figuresOf(row);
  }

  /** Whether the vehicle ever reported, live or in history. */
  async vehicleSeen(vehicleId: string): Promise<boolean> {
    const [{ seen }] = await this.dataSource.query<Array<{ seen: boolean }>>(VEHICLE_SEEN, [vehicleId]);
    return seen;
  }

  /** Up to `limit` vehicles of the fleet list, in one statement whatever their number. */
  async fleetFigures(
    window: Window,
    filter: FleetFilter,
    settings: FiguresSettings,
    limit: number,
    after?: FleetPosition,
  ): Promise<FleetFigures[]> {
    const position = after ? [after.ratio === null, after.ratio ?? 0, after.vehicleId] : [null, null, null];
    const rows = await this.dataSource.query<FiguresRow[]>(FLEET, [
      window.from,
      window.to,
      ...position,
      limit,
      filter.lowEfficiency ?? null,
      settings.threshold,
      filter.dataQuality ?? null,
      settings.readingIntervalSeconds,
      settings.minCoverage,
      filter.suspect ?? null,
    ]);
    return rows.map((row) => ({
      ...figuresOf(row),
      suspect: row.suspect ?? null,
      evidence: (row.evidence ?? []).map(evidenceOf),
    }));
  }
}
