import type { DataSource } from 'typeorm';
import { sql } from '../db/sql';
import type { FleetFilter, FleetPosition, Window } from './analytics.dto';
import { AC, DC, split, sums, VEHICLE_WINDOW, WHOLE_HOURS } from './hourly-sums.repository';

/** The whole hours of a vehicle's (or a meter's) periods `b.hours`, a multirange: never overlapping. */
const PERIOD_HOURS = 'r.hour >= lower(b.hours) AND r.hour < upper(b.hours) AND b.hours @> r.hour';

/** One vehicle's figures over a window, as the database computed them. */
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
  /** More DC than AC in the periods, compared exactly: a ratio above 1, or DC without any AC. */
  dcExceedsAc: boolean;
  averageBatteryTemp: number | null;
  /** The vehicle's readings in the window, inside the periods or not. */
  recordCount: number;
  meterIds: string[];
  /**
   * With a meter given: other vehicles had sessions on it in the window, so only this vehicle's own
   * sessions on it were counted. False otherwise.
   */
  sharedMeter: boolean;
}

interface FiguresRow {
  vehicleId: string;
  ac: string;
  dc: string;
  dcOutside: string;
  ratio: string | null;
  dcExceedsAc: boolean;
  temp: string | null;
  /** A bigint, as text. */
  recordCount: string;
  meterIds: string[];
  sharedMeter: boolean;
}

/*
 * Every statement takes the window as $1 (from) and $2 (to). A reading's energy is what flowed in
 * the interval that ends at its timestamp, so a reading counts for the window when from < ts <= to,
 * and for an attribution period when from_ts < ts <= until_ts. Energy is summed in integer micro-kWh:
 * exact whatever the number of readings and their order (a float8 sum is neither). So 1.1 + 2.2
 * totals 3.3, and the ratio of the exact totals rounds the way a person checking it by hand would.
 *
 * `attribution` lists, per vehicle, the meters whose readings count as its AC energy and the periods
 * they do, clipped to the window; the vehicle's DC counts for the ratio over those same periods, so
 * that like is compared with like. `stored` holds, per vehicle, the energy of its closed sessions that
 * lie wholly inside the window, which each session carries (kept by the database as readings arrive,
 * late ones included): a month of sessions then costs one row each. Every other sum takes the whole
 * hours of its span from the rollups and only the partial hours at its edges from history: the sealed
 * whole days from the daily rollups, the hours around them from the hourly ones. A month then costs
 * about 30 daily and at most 46 hourly rollup rows per vehicle rather than 43,200 readings, and the
 * figures are those of the readings. A
 * vehicle's periods never overlap (its sessions cannot), so their whole hours, gathered per vehicle and
 * per meter into multiranges, take one rollup scan per vehicle for their DC and one per meter for their
 * AC; each period's edges are read on their own.
 * The average temperature is the exact numeric sum over the count, which is what avg(numeric) computes.
 * `sources` also says, as `meter_shared`, whether a given meter fed other vehicles in the window.
 */
function figures(sources: string): string {
  return sql`
    WITH
    ${sources},
    spans AS (
      ${split('attribution')}
    ),
    edges AS (
      SELECT s.vehicle_id, sum(m.ac) AS ac, sum(d.dc) AS dc
      FROM spans s
      CROSS JOIN LATERAL (
        ${sums(AC, 's.meter_id', { edges: true })}
      ) m
      CROSS JOIN LATERAL (
        ${sums(DC, 's.vehicle_id', { edges: true })}
      ) d
      GROUP BY s.vehicle_id
    ),
    meter_hours AS (
      SELECT b.vehicle_id, sum(m.ac) AS ac, array_agg(b.meter_id) AS meter_ids
      FROM (
        SELECT vehicle_id, meter_id, range_agg(tstzrange(first_hour, tail_start)) AS hours FROM spans GROUP BY 1, 2
      ) b
      CROSS JOIN LATERAL (
        ${sums(AC, 'b.meter_id', { hours: [PERIOD_HOURS] })}
      ) m
      GROUP BY b.vehicle_id
    ),
    vehicle_hours AS (
      SELECT b.vehicle_id, d.dc
      FROM (SELECT vehicle_id, range_agg(tstzrange(first_hour, tail_start)) AS hours FROM spans GROUP BY 1) b
      CROSS JOIN LATERAL (
        ${sums(DC, 'b.vehicle_id', { hours: [PERIOD_HOURS] })}
      ) d
    ),
    attributed AS (
      SELECT vehicle_id, coalesce(e.ac + m.ac, 0) + coalesce(t.ac, 0) AS ac,
             coalesce(e.dc + h.dc, 0) + coalesce(t.dc, 0) AS dc,
             ARRAY(SELECT DISTINCT unnest(coalesce(m.meter_ids, '{}') || coalesce(t.meter_ids, '{}')) ORDER BY 1) AS meter_ids
      FROM edges e JOIN meter_hours m USING (vehicle_id) JOIN vehicle_hours h USING (vehicle_id)
      FULL JOIN stored t USING (vehicle_id)
    ),
    window_span AS (
      ${split(`(SELECT $1::timestamptz AS from_ts, $2::timestamptz AS until_ts)`)}
    ),
    totals AS (
      SELECT v.vehicle_id, coalesce(p.ac, 0) AS ac, coalesce(p.dc, 0) AS dc,
             coalesce(p.meter_ids, '{}') AS meter_ids, w.dc_window, w.record_count, w.temp_sum
      FROM vehicles v
      LEFT JOIN attributed p USING (vehicle_id)
      CROSS JOIN window_span s
      CROSS JOIN LATERAL (
        ${sums(VEHICLE_WINDOW, 'v.vehicle_id', { ...WHOLE_HOURS, edges: true })}
      ) w
    )
    SELECT vehicle_id AS "vehicleId", ac / 1000000.0 AS ac, dc / 1000000.0 AS dc,
           (dc_window - dc) / 1000000.0 AS "dcOutside", round(dc / nullif(ac, 0), 3) AS ratio, dc > ac AS "dcExceedsAc",
           round(temp_sum / nullif(record_count, 0), 3) AS temp, record_count::bigint AS "recordCount", meter_ids AS "meterIds",
           (SELECT shared FROM meter_shared) AS "sharedMeter"
    FROM totals`;
}

/**
 * A session counts for the readings with started_at < ts <= ended_at, so it shares a reading with the
 * window when started_at < to and ended_at > from (or is ongoing). That is exactly the overlap of
 * [started_at, ended_at) with the open range (from, to), written so on the expression the GiST indexes
 * are built on. A counted session (closed, its energy stored) with started_at >= from and ended_at <= to
 * has all its readings in the window, so its stored energy is its share; the others are clipped to the
 * window and read.
 */
const SESSIONS_IN_WINDOW = sql`
  SELECT vehicle_id, meter_id, started_at, ended_at, kwh_ac_micro, kwh_dc_micro,
         kwh_ac_micro IS NOT NULL AND kwh_dc_micro IS NOT NULL AND started_at >= $1 AND ended_at <= $2 AS inside
  FROM charging_session
  WHERE tstzrange(started_at, ended_at) && tstzrange($1, $2, '()')`;

const SESSION_ATTRIBUTION = sql`
  meter_shared AS (SELECT false AS shared),
  stored AS (
    SELECT vehicle_id, sum(kwh_ac_micro) AS ac, sum(kwh_dc_micro) AS dc, array_agg(DISTINCT meter_id) AS meter_ids
    FROM sessions WHERE inside GROUP BY vehicle_id
  ),
  attribution AS (
    SELECT vehicle_id, meter_id, greatest(started_at, $1) AS from_ts, least(coalesce(ended_at, 'infinity'), $2) AS until_ts
    FROM sessions WHERE NOT inside
  )`;

const VEHICLE_BY_SESSIONS = figures(sql`
  sessions AS (
    ${SESSIONS_IN_WINDOW} AND vehicle_id = $3
  ),
  vehicles AS (SELECT $3::text AS vehicle_id),
  ${SESSION_ATTRIBUTION}`);

/**
 * The meter given stands for the vehicle's charger over the whole window (one period, the window),
 * unless it fed other vehicles in the window: then all of its AC is not this vehicle's, and only this
 * vehicle's own sessions on it count, clipped to the window.
 */
const VEHICLE_BY_METER = figures(sql`
  vehicles AS (SELECT $3::text AS vehicle_id),
  meter_shared AS (
    SELECT EXISTS (
      SELECT FROM charging_session
      WHERE meter_id = $4 AND vehicle_id <> $3 AND tstzrange(started_at, ended_at) && tstzrange($1, $2, '()')
    ) AS shared
  ),
  stored AS (SELECT NULL::text AS vehicle_id, 0::numeric AS ac, 0::numeric AS dc, '{}'::text[] AS meter_ids WHERE false),
  attribution AS (
    SELECT $3::text AS vehicle_id, $4::text AS meter_id, $1::timestamptz AS from_ts, $2::timestamptz AS until_ts
    FROM meter_shared WHERE NOT shared
    UNION ALL
    SELECT vehicle_id, meter_id, greatest(started_at, $1), least(coalesce(ended_at, 'infinity'), $2)
    FROM charging_session, meter_shared
    WHERE shared AND meter_id = $4 AND vehicle_id = $3 AND tstzrange(started_at, ended_at) && tstzrange($1, $2, '()')
  )`);

/**
 * Lowest ratio first, vehicles without AC last; $3-$5 is the position to continue after, if any. $7
 * keeps only the flagged vehicles (true) or the others (false), by the service's rule: a ratio below the
 * threshold $8 on figures no data-quality flag casts doubt on; $9 keeps only those carrying that flag.
 */
const FLEET = sql`
  SELECT * FROM (
    ${figures(sql`
      sessions AS (
        ${SESSIONS_IN_WINDOW}
      ),
      vehicles AS (SELECT DISTINCT vehicle_id FROM sessions),
      ${SESSION_ATTRIBUTION}`)}
  ) f
  WHERE ($3::boolean IS NULL OR (ratio IS NULL, coalesce(ratio, 0), "vehicleId") > ($3, $4::numeric, $5::text))
    AND ($7::boolean IS NULL OR (ratio < $8::numeric AND NOT "dcExceedsAc") IS TRUE = $7)
    AND ($9::text IS NULL OR ($9 = 'dc-exceeds-ac' AND "dcExceedsAc"))
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

function toFigures(row: FiguresRow): VehicleFigures {
  return {
    vehicleId: row.vehicleId,
    totalKwhConsumedAc: Number(row.ac),
    totalKwhDeliveredDc: Number(row.dc),
    kwhDeliveredDcOutsideSessions: Number(row.dcOutside),
    efficiencyRatio: row.ratio === null ? null : Number(row.ratio),
    dcExceedsAc: row.dcExceedsAc,
    averageBatteryTemp: row.temp === null ? null : Number(row.temp),
    recordCount: Number(row.recordCount),
    meterIds: row.meterIds,
    sharedMeter: row.sharedMeter,
  };
}

export class AnalyticsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** AC from the given meter over the whole window, or else from the vehicle's sessions in it. */
  async vehicleFigures(vehicleId: string, window: Window, meterId?: string): Promise<VehicleFigures> {
    const [row] =
      meterId === undefined
        ? await this.dataSource.query<FiguresRow[]>(VEHICLE_BY_SESSIONS, [window.from, window.to, vehicleId])
        : await this.dataSource.query<FiguresRow[]>(VEHICLE_BY_METER, [window.from, window.to, vehicleId, meterId]);
    return toFigures(row);
  }

  /** Whether the vehicle ever reported, live or in history. */
  async vehicleSeen(vehicleId: string): Promise<boolean> {
    const [{ seen }] = await this.dataSource.query<Array<{ seen: boolean }>>(VEHICLE_SEEN, [vehicleId]);
    return seen;
  }

  /** Up to `limit` vehicles with a session in the window, in one statement whatever their number. */
  async fleetFigures(
    window: Window,
    filter: FleetFilter & { threshold: number },
    limit: number,
    after?: FleetPosition,
  ): Promise<VehicleFigures[]> {
    const position = after ? [after.ratio === null, after.ratio ?? 0, after.vehicleId] : [null, null, null];
    const rows = await this.dataSource.query<FiguresRow[]>(FLEET, [
      window.from,
      window.to,
      ...position,
      limit,
      filter.lowEfficiency ?? null,
      filter.threshold,
      filter.dataQuality ?? null,
    ]);
    return rows.map(toFigures);
  }
}
