import type { DataSource } from 'typeorm';
import type { FleetPosition, Window } from './analytics.dto';

/** One vehicle's figures over a window, as the database computed them. */
export interface VehicleFigures {
  vehicleId: string;
  totalKwhConsumedAc: number;
  totalKwhDeliveredDc: number;
  /** DC / AC rounded to 3 decimals; null when no AC was attributed. */
  efficiencyRatio: number | null;
  averageBatteryTemp: number | null;
  recordCount: number;
  meterIds: string[];
}

interface FiguresRow {
  vehicleId: string;
  ac: string;
  dc: string;
  ratio: string | null;
  temp: string | null;
  recordCount: number;
  meterIds: string[];
}

/** A reading's energy in whole micro-kWh (kWh to 6 decimals). */
const micro = (column: string) => `(${column} * 1000000)::bigint`;

/*
 * Every statement takes the window as $1 (from) and $2 (to), both included. Energy is summed in
 * integer micro-kWh: exact whatever the number of readings and their order (a float8 sum is neither),
 * and several times cheaper than converting each float8 to numeric. So 1.1 + 2.2 totals 3.6, and the
 * ratio of the exact totals rounds the way a person checking it by hand would.
 *
 * `attribution` lists, per vehicle, the meters whose readings count as its AC energy and from when
 * until when (until excluded); the window clips them again. Each sum is a range scan of the (device,
 * ts) primary key, which carries the summed columns: an index-only scan whatever the table size.
 */
function figures(sources: string): string {
  return `
    WITH ${sources},
    ac AS (
      SELECT a.vehicle_id, sum(m.micro) AS micro, array_agg(DISTINCT a.meter_id ORDER BY a.meter_id) AS meter_ids
      FROM attribution a
      CROSS JOIN LATERAL (
        SELECT sum(${micro('h.kwh_consumed_ac')}) AS micro
        FROM meter_history h
        -- from_ts is never before $1; saying so lets the planner prune partitions before the window.
        WHERE h.meter_id = a.meter_id AND h.ts >= $1 AND h.ts >= a.from_ts AND h.ts < a.until_ts AND h.ts <= $2
      ) m
      GROUP BY a.vehicle_id
    ),
    dc AS (
      SELECT v.vehicle_id, d.*
      FROM vehicles v
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS record_count, coalesce(sum(${micro('h.kwh_delivered_dc')}), 0) AS micro,
               round(avg(h.battery_temp)::numeric, 3) AS temp
        FROM vehicle_history h
        WHERE h.vehicle_id = v.vehicle_id AND h.ts >= $1 AND h.ts <= $2
      ) d
    )
    SELECT dc.vehicle_id AS "vehicleId", coalesce(ac.micro, 0) / 1000000.0 AS ac, dc.micro / 1000000.0 AS dc,
           round(dc.micro / nullif(ac.micro, 0), 3) AS ratio, dc.temp, dc.record_count AS "recordCount",
           coalesce(ac.meter_ids, '{}') AS "meterIds"
    FROM dc LEFT JOIN ac USING (vehicle_id)`;
}

/** Sessions are [started_at, ended_at); the window is closed, hence '[]'. */
const SESSIONS_IN_WINDOW = `
  SELECT vehicle_id, meter_id, started_at, ended_at FROM charging_session
  WHERE tstzrange(started_at, ended_at) && tstzrange($1, $2, '[]')`;

const SESSION_ATTRIBUTION = `
  attribution AS (
    SELECT vehicle_id, meter_id, greatest(started_at, $1) AS from_ts, coalesce(ended_at, 'infinity') AS until_ts
    FROM sessions
  )`;

const VEHICLE_BY_SESSIONS = figures(`
  sessions AS (${SESSIONS_IN_WINDOW} AND vehicle_id = $3),
  vehicles AS (SELECT $3::text AS vehicle_id),
  ${SESSION_ATTRIBUTION}`);

const VEHICLE_BY_METER = figures(`
  vehicles AS (SELECT $3::text AS vehicle_id),
  attribution AS (
    SELECT $3::text AS vehicle_id, $4::text AS meter_id, $1::timestamptz AS from_ts,
           'infinity'::timestamptz AS until_ts
  )`);

/** Lowest ratio first, vehicles without AC last; $3-$5 is the position to continue after, if any. */
const FLEET = `
  SELECT * FROM (${figures(`
    sessions AS (${SESSIONS_IN_WINDOW}),
    vehicles AS (SELECT DISTINCT vehicle_id FROM sessions),
    ${SESSION_ATTRIBUTION}`)}
  ) f
  WHERE $3::boolean IS NULL OR (ratio IS NULL, coalesce(ratio, 0), "vehicleId") > ($3, $4::numeric, $5::text)
  ORDER BY ratio IS NULL, coalesce(ratio, 0), "vehicleId"
  LIMIT $6`;

function toFigures(row: FiguresRow): VehicleFigures {
  return {
    vehicleId: row.vehicleId,
    totalKwhConsumedAc: Number(row.ac),
    totalKwhDeliveredDc: Number(row.dc),
    efficiencyRatio: row.ratio === null ? null : Number(row.ratio),
    averageBatteryTemp: row.temp === null ? null : Number(row.temp),
    recordCount: row.recordCount,
    meterIds: row.meterIds,
  };
}

export class AnalyticsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** AC from the given meter over the whole window, or else from the vehicle's sessions in it. */
  async vehicleFigures(vehicleId: string, window: Window, meterId?: string): Promise<VehicleFigures> {
    const [row] =
      meterId === undefined
        ? await this.dataSource.query(VEHICLE_BY_SESSIONS, [window.from, window.to, vehicleId])
        : await this.dataSource.query(VEHICLE_BY_METER, [window.from, window.to, vehicleId, meterId]);
    return toFigures(row);
  }

  /** Whether the vehicle ever reported, live or in history. */
  async vehicleSeen(vehicleId: string): Promise<boolean> {
    const [{ seen }] = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM vehicle_live WHERE vehicle_id = $1)
           OR EXISTS (SELECT 1 FROM vehicle_history WHERE vehicle_id = $1) AS seen`,
      [vehicleId],
    );
    return seen;
  }

  /** Up to `limit` vehicles with a session in the window, in one statement whatever their number. */
  async fleetFigures(window: Window, limit: number, after?: FleetPosition): Promise<VehicleFigures[]> {
    const position = after ? [after.ratio === null, after.ratio ?? 0, after.vehicleId] : [null, null, null];
    const rows: FiguresRow[] = await this.dataSource.query(FLEET, [window.from, window.to, ...position, limit]);
    return rows.map(toFigures);
  }
}
