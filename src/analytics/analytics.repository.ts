import type { DataSource } from 'typeorm';
import { sql } from '../db/sql';
import type { FleetPosition, Window } from './analytics.dto';

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
}

/**
 * A reading's energy in whole micro-kWh (kWh to 6 decimals). The readings' CHECK constraints cap a
 * reading at 1e6 kWh, 1e12 micro-kWh, far inside bigint; sum(bigint) is numeric, so no total overflows,
 * and neither does the ratio of two of them. Counts stay bigint for the same reason. The hourly
 * rollups store the same per-reading rounding summed, so an hour read from them adds up to its readings.
 */
const micro = (column: string) => `(${column} * 1000000)::bigint`;

/**
 * The spans of `relation` (rows with from_ts < until_ts, both within the window), split the way the
 * rollups bucket readings: an hour bucket (hour, hour + 1 h] lies wholly inside (from_ts, until_ts]
 * for first_hour <= hour < tail_start; the readings of (from_ts, head_end] and (tail_start, until_ts],
 * at most an hour each, are the partial hours at the edges, left to history.
 */
const split = (relation: string) => sql`
  SELECT s.*, b.first_hour, least(b.first_hour, s.until_ts) AS head_end,
         greatest(date_trunc('hour', s.until_ts, 'UTC'), b.first_hour) AS tail_start
  FROM ${relation} s
  CROSS JOIN LATERAL (
    SELECT date_trunc('hour', s.from_ts - interval '1 microsecond', 'UTC') + interval '1 hour' AS first_hour
  ) b`;

interface Readings {
  history: string;
  rollup: string;
  device: string;
  /** Per column of the sums: its value from a rollup row `r`, and from a history row `h`. */
  columns: Record<string, [rollup: string, history: string]>;
}

/**
 * The sums of `readings` over the device `device` in the split span `s`: three range scans of primary
 * keys, one of the rollup for the whole hours and one of history per edge. Each also states the
 * window ($1, $2], which contains the span, so that the planner prunes the partitions outside it.
 */
function sums({ history, rollup, device, columns }: Readings, deviceOf: string): string {
  const names = Object.keys(columns);
  const pick = (side: 0 | 1, alias: string) =>
    names.map((name) => `${columns[name][side].replaceAll('$.', `${alias}.`)} AS ${name}`).join(', ');
  const edge = (after: string, upto: string) => sql`
    SELECT ${pick(1, 'h')} FROM ${history} h
    WHERE h.${device} = ${deviceOf} AND h.ts > $1 AND h.ts <= $2 AND h.ts > ${after} AND h.ts <= ${upto}`;
  return sql`
    SELECT ${names.map((name) => `coalesce(sum(${name}), 0) AS ${name}`).join(', ')}
    FROM (
      SELECT ${pick(0, 'r')} FROM ${rollup} r
      WHERE r.${device} = ${deviceOf} AND r.hour >= $1 AND r.hour < $2 AND r.hour >= s.first_hour AND r.hour < s.tail_start
      UNION ALL
      ${edge('s.from_ts', 's.head_end')}
      UNION ALL
      ${edge('s.tail_start', 's.until_ts')}
    ) readings`;
}

const AC: Readings = {
  history: 'meter_history',
  rollup: 'meter_rollup_hourly',
  device: 'meter_id',
  columns: { ac: ['$.kwh_micro', micro('$.kwh_consumed_ac')] },
};
const DC: Readings = {
  history: 'vehicle_history',
  rollup: 'vehicle_rollup_hourly',
  device: 'vehicle_id',
  columns: { dc: ['$.kwh_micro', micro('$.kwh_delivered_dc')] },
};
const VEHICLE_WINDOW: Readings = {
  ...DC,
  columns: {
    dc_window: ['$.kwh_micro', micro('$.kwh_delivered_dc')],
    record_count: ['$.readings', '1'],
    // numeric, as in the rollups: a sum that is exact whatever the order, so its average is too.
    temp_sum: ['$.battery_temp_sum', '$.battery_temp::numeric'],
  },
};

/*
 * Every statement takes the window as $1 (from) and $2 (to). A reading's energy is what flowed in
 * the interval that ends at its timestamp, so a reading counts for the window when from < ts <= to,
 * and for an attribution period when from_ts < ts <= until_ts. Energy is summed in integer micro-kWh:
 * exact whatever the number of readings and their order (a float8 sum is neither). So 1.1 + 2.2
 * totals 3.3, and the ratio of the exact totals rounds the way a person checking it by hand would.
 *
 * `attribution` lists, per vehicle, the meters whose readings count as its AC energy and the periods
 * they do, clipped to the window; the vehicle's DC counts for the ratio over those same periods, so
 * that like is compared with like. A vehicle's periods never overlap (its sessions cannot), so the DC
 * of each period adds up to the DC inside them all. Every sum takes the whole hours of its span from
 * the hourly rollups and only the partial hours at its edges from history, so a month costs about 720
 * rollup rows per vehicle rather than 43,200 readings, and the figures are those of the readings.
 * The average temperature is the exact numeric sum over the count, which is what avg(numeric) computes.
 */
function figures(sources: string): string {
  return sql`
    WITH
    ${sources},
    spans AS (
      ${split('attribution')}
    ),
    attributed AS (
      SELECT s.vehicle_id, array_agg(DISTINCT s.meter_id ORDER BY s.meter_id) AS meter_ids,
             sum(m.ac) AS ac, sum(d.dc) AS dc
      FROM spans s
      CROSS JOIN LATERAL (
        ${sums(AC, 's.meter_id')}
      ) m
      CROSS JOIN LATERAL (
        ${sums(DC, 's.vehicle_id')}
      ) d
      GROUP BY s.vehicle_id
    ),
    window_span AS (
      ${split(`(SELECT $1::timestamptz AS from_ts, $2::timestamptz AS until_ts)`)}
    ),
    totals AS (
      SELECT v.vehicle_id, coalesce(p.ac, 0) AS ac, coalesce(p.dc, 0) AS dc, coalesce(p.meter_ids, '{}') AS meter_ids, w.*
      FROM vehicles v
      LEFT JOIN attributed p USING (vehicle_id)
      CROSS JOIN window_span s
      CROSS JOIN LATERAL (
        ${sums(VEHICLE_WINDOW, 'v.vehicle_id')}
      ) w
    )
    SELECT vehicle_id AS "vehicleId", ac / 1000000.0 AS ac, dc / 1000000.0 AS dc,
           (dc_window - dc) / 1000000.0 AS "dcOutside", round(dc / nullif(ac, 0), 3) AS ratio, dc > ac AS "dcExceedsAc",
           round(temp_sum / nullif(record_count, 0), 3) AS temp, record_count::bigint AS "recordCount", meter_ids AS "meterIds"
    FROM totals`;
}

/**
 * A session counts for the readings with started_at < ts <= ended_at, so it shares a reading with the
 * window when started_at < to and ended_at > from (or is ongoing). That is exactly the overlap of
 * [started_at, ended_at) with the open range (from, to), written so on the expression the GiST indexes
 * are built on.
 */
const SESSIONS_IN_WINDOW = sql`
  SELECT vehicle_id, meter_id, started_at, ended_at FROM charging_session
  WHERE tstzrange(started_at, ended_at) && tstzrange($1, $2, '()')`;

const SESSION_ATTRIBUTION = sql`
  attribution AS (
    SELECT vehicle_id, meter_id, greatest(started_at, $1) AS from_ts, least(coalesce(ended_at, 'infinity'), $2) AS until_ts
    FROM sessions
  )`;

const VEHICLE_BY_SESSIONS = figures(sql`
  sessions AS (
    ${SESSIONS_IN_WINDOW} AND vehicle_id = $3
  ),
  vehicles AS (SELECT $3::text AS vehicle_id),
  ${SESSION_ATTRIBUTION}`);

/** The meter given stands for the vehicle's charger over the whole window: one period, the window. */
const VEHICLE_BY_METER = figures(sql`
  vehicles AS (SELECT $3::text AS vehicle_id),
  attribution AS (
    SELECT $3::text AS vehicle_id, $4::text AS meter_id, $1::timestamptz AS from_ts, $2::timestamptz AS until_ts
  )`);

/** Lowest ratio first, vehicles without AC last; $3-$5 is the position to continue after, if any. */
const FLEET = sql`
  SELECT * FROM (
    ${figures(sql`
      sessions AS (
        ${SESSIONS_IN_WINDOW}
      ),
      vehicles AS (SELECT DISTINCT vehicle_id FROM sessions),
      ${SESSION_ATTRIBUTION}`)}
  ) f
  WHERE $3::boolean IS NULL OR (ratio IS NULL, coalesce(ratio, 0), "vehicleId") > ($3, $4::numeric, $5::text)
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
  async fleetFigures(window: Window, limit: number, after?: FleetPosition): Promise<VehicleFigures[]> {
    const position = after ? [after.ratio === null, after.ratio ?? 0, after.vehicleId] : [null, null, null];
    const rows = await this.dataSource.query<FiguresRow[]>(FLEET, [window.from, window.to, ...position, limit]);
    return rows.map(toFigures);
  }
}
