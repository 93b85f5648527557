import type { DataSource, EntityManager } from 'typeorm';
import { sql } from '../db/sql';

export type RollupKind = 'meter' | 'vehicle';
export const ROLLUP_KINDS: RollupKind[] = ['meter', 'vehicle'];

interface RollupTable {
  history: string;
  rollup: string;
  daily: string;
  device: string;
  /** The rollup's columns after (device, hour), each with the aggregate over history that fills it. */
  aggregates: Array<[column: string, aggregate: string]>;
}

const extremes = (column: string): Array<[string, string]> => [
  [`${column}_min`, `min(${column})`],
  [`${column}_max`, `max(${column})`],
  [`${column}_sum`, `sum(${column}::numeric)`],
];
const span: Array<[string, string]> = [
  ['first_ts', 'min(ts)'],
  ['last_ts', 'max(ts)'],
];

const TABLES: Record<RollupKind, RollupTable> = {
  meter: {
    history: 'meter_history',
    rollup: 'meter_rollup_hourly',
    daily: 'meter_rollup_daily',
    device: 'meter_id',
    aggregates: [
      ['readings', 'count(*)'],
      ['kwh_micro', 'sum((kwh_consumed_ac * 1000000)::bigint)::bigint'],
      ...extremes('voltage'),
      ...span,
    ],
  },
  vehicle: {
    history: 'vehicle_history',
    rollup: 'vehicle_rollup_hourly',
    daily: 'vehicle_rollup_daily',
    device: 'vehicle_id',
    aggregates: [
      ['readings', 'count(*)'],
      ['kwh_micro', 'sum((kwh_delivered_dc * 1000000)::bigint)::bigint'],
      ...extremes('soc'),
      ...extremes('battery_temp'),
      ...span,
    ],
  },
};

/** The hour bucket (hour, hour + 1 h] a reading at ts counts in. */
const HOUR = `date_trunc('hour', ts - interval '1 microsecond', 'UTC')`;

/** A daily row's column from the hourly rows of its day, combined the way the triggers merge them. */
function fromHourly(column: string): string {
  if (column === 'readings' || column === 'kwh_micro') return `sum(${column})::bigint`;
  if (column.endsWith('_min') || column === 'first_ts') return `min(${column})`;
  if (column.endsWith('_max') || column === 'last_ts') return `max(${column})`;
  return `sum(${column})`;
}

/**
 * The refresh works a day of hours at a time, [$1, $1 + 1 day), which holds the readings with
 * $1 < ts <= $1 + 1 day. Days are UTC, so a day never straddles two monthly partitions.
 */
function statements({ history, rollup, daily, device, aggregates }: RollupTable) {
  const columns = [device, 'hour', ...aggregates.map(([column]) => column)].join(', ');
  const names = aggregates.map(([column]) => column);
  /** The hourly rows of the readings after..upto, in (device, hour) order, the order the triggers lock them in. */
  const hoursFromHistory = (after: string, upto: string) => sql`
    INSERT INTO ${rollup} (${columns})
    SELECT ${device}, ${HOUR}, ${aggregates.map(([, aggregate]) => aggregate).join(', ')}
    FROM ${history}
    WHERE ts > ${after} AND ts <= ${upto}
    GROUP BY 1, 2 ORDER BY 1, 2`;
  /** The daily rows of the days [from, until) from their hourly rows; only sealed days have any. */
  const daysFromHours = (from: string, until: string) => sql`
    INSERT INTO ${daily} (${[device, 'day', ...names].join(', ')})
    SELECT ${device}, date_trunc('day', hour, 'UTC'), ${names.map(fromHourly).join(', ')}
    FROM ${rollup}
    WHERE hour >= ${from} AND hour < ${until}
    GROUP BY 1, 2 ORDER BY 1, 2`;
  return {
    /**
     * Every day that has readings or rollup rows, oldest first. The days of history are found by
     * skipping along its ts index, one probe per day with readings; the rollups' by reading them.
     */
    days: sql`
      WITH RECURSIVE history_days(day) AS (
        SELECT date_trunc('day', min(ts) - interval '1 microsecond', 'UTC') FROM ${history}
        UNION ALL
        SELECT (SELECT date_trunc('day', min(ts) - interval '1 microsecond', 'UTC') FROM ${history}
                WHERE ts > history_days.day + interval '1 day')
        FROM history_days WHERE history_days.day IS NOT NULL
      )
      SELECT day FROM history_days WHERE day IS NOT NULL
      UNION
      SELECT DISTINCT date_trunc('day', hour, 'UTC') FROM ${rollup}
      ORDER BY day`,
    /**
     * Waits for the transactions inserting readings to commit and holds back new ones until this
     * one commits, so the day's history cannot change between reading it and writing its rollups:
     * no reading is then lost or counted twice. Reads and analytics carry on meanwhile.
     */
    lock: sql`LOCK TABLE ${history} IN SHARE MODE`,
    /** The day's rollup rows, those with no reading behind them any more included. */
    clear: sql`
      WITH cleared AS (
        DELETE FROM ${rollup} WHERE hour >= $1 AND hour < $1::timestamptz + interval '1 day' RETURNING 1
      )
      SELECT count(*)::int AS rows FROM cleared`,
    /** The day's sealed hours. */
    fill: sql`
      WITH filled AS (
        ${hoursFromHistory('$1', `least($1::timestamptz + interval '1 day', (SELECT hours_until FROM rollup_seal))`)}
        RETURNING 1
      )
      SELECT count(*)::int AS rows FROM filled`,
    /** The day's daily rows, rebuilt from the hourly ones just refreshed if the day is sealed. */
    clearDay: sql`DELETE FROM ${daily} WHERE day = $1`,
    fillDay: daysFromHours('$1', `least($1::timestamptz + interval '1 day', (SELECT days_until FROM rollup_seal))`),
    /** The hours from the seal up to $1 and the days from the seal up to $2, which then become sealed. */
    sealHours: hoursFromHistory('(SELECT hours_until FROM rollup_seal)', '$1'),
    sealDays: daysFromHours('(SELECT days_until FROM rollup_seal)', '$1'),
  };
}

const STATEMENTS = { meter: statements(TABLES.meter), vehicle: statements(TABLES.vehicle) };

/**
 * Sealing moves `rollup_seal` to a later hour ($1) and midnight ($2), holding back inserts into both
 * histories meanwhile: a reading committed before it is in the rows the newly sealed hours and days
 * are built from, one committed after it is added to them by the insert trigger, which then reads the
 * new seal. Hours first: the new days are built from them.
 */
const SEAL_STATEMENTS = {
  sealDue: sql`
    SELECT hours_until < $1 OR days_until < $2
        OR EXISTS (SELECT 1 FROM charging_session WHERE ended_at IS NOT NULL AND (kwh_ac_micro IS NULL OR kwh_dc_micro IS NULL))
        AS due
    FROM rollup_seal`,
  sealLock: sql`LOCK TABLE meter_history, vehicle_history IN SHARE MODE`,
  sealHoursAdvance: sql`UPDATE rollup_seal SET hours_until = $1 WHERE hours_until < $1`,
  sealDaysAdvance: sql`UPDATE rollup_seal SET days_until = $1 WHERE days_until < $1`,
  /** Up to $1 closed sessions without their energy, oldest first: counted from the rollups and history. */
  countSessions: sql`
    WITH counted AS (
      UPDATE charging_session
      SET kwh_ac_micro = meter_kwh_micro(meter_id, started_at, ended_at),
          kwh_dc_micro = vehicle_kwh_micro(vehicle_id, started_at, ended_at)
      WHERE (id, vehicle_id) IN (
        SELECT id, vehicle_id FROM charging_session
        WHERE ended_at IS NOT NULL AND (kwh_ac_micro IS NULL OR kwh_dc_micro IS NULL)
        ORDER BY started_at LIMIT $1 FOR UPDATE
      )
      RETURNING 1
    )
    SELECT count(*)::int AS sessions FROM counted`,
};

/** Sessions counted per transaction: each holds inserts back for about a tenth of a second. */
const SESSIONS_PER_COUNT = 100;

/**
 * The energy each closed session carries, recounted from history and the rollups (refreshed first) a
 * day of session starts at a time, with readings held back meanwhile as for a day of rollups.
 */
const SESSION_STATEMENTS = {
  /**
   * Fresh statistics first: after a bulk load, before autovacuum gets to it, counting a session took
   * 30 ms without them against 0.5 ms with them.
   */
  sessionStatistics: sql`ANALYZE meter_history, vehicle_history, meter_rollup_hourly, vehicle_rollup_hourly, charging_session`,
  sessionDays: sql`
    SELECT DISTINCT date_trunc('day', started_at, 'UTC') AS day FROM charging_session
    WHERE ended_at IS NOT NULL ORDER BY day`,
  sessionRecount: sql`
    WITH recounted AS (
      UPDATE charging_session
      SET kwh_ac_micro = meter_kwh_micro(meter_id, started_at, ended_at),
          kwh_dc_micro = vehicle_kwh_micro(vehicle_id, started_at, ended_at)
      WHERE ended_at IS NOT NULL AND started_at >= $1 AND started_at < $1::timestamptz + interval '1 day'
      RETURNING 1
    )
    SELECT count(*)::int AS sessions FROM recounted`,
};

/** The statements by name (tools/sql-snapshots.ts keeps them readable under sql/). */
export const ROLLUP_STATEMENTS = {
  ...Object.fromEntries(
    ROLLUP_KINDS.flatMap((kind) =>
      Object.entries(STATEMENTS[kind]).map(([name, text]) => [`${kind}${name[0].toUpperCase()}${name.slice(1)}`, text]),
    ),
  ),
  ...SESSION_STATEMENTS,
  ...SEAL_STATEMENTS,
};

export interface RefreshedDay {
  kind: RollupKind;
  day: Date;
  /** Rollup rows before and after: rows removed for want of history make the second smaller. */
  before: number;
  after: number;
}

export class RollupRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Recomputes every rollup row from history, one transaction per day so that readings are held back
   * only for the time of one day's aggregate; `onDay` hears of each day done. Rollup rows of days with
   * no readings left are removed, and nothing counted twice, whatever the rollups held before.
   */
  async refresh(onDay: (done: RefreshedDay) => void = () => undefined): Promise<RefreshedDay[]> {
    const done: RefreshedDay[] = [];
    for (const kind of ROLLUP_KINDS) {
      const days = await this.dataSource.query<Array<{ day: Date }>>(STATEMENTS[kind].days);
      for (const { day } of days) {
        const refreshed = await this.refreshDay(kind, day);
        onDay(refreshed);
        done.push(refreshed);
      }
    }
    return done;
  }

  /**
   * Seals the hours before `hours` and the days before `days` (a UTC hour and midnight, days <= hours)
   * not sealed yet: builds their rollup rows; then counts the energy of the closed sessions that have
   * none. Whether it had anything to do; cheap when it had not.
   */
  async seal(hours: Date, days: Date): Promise<boolean> {
    const [{ due }] = await this.dataSource.query<Array<{ due: boolean }>>(SEAL_STATEMENTS.sealDue, [hours, days]);
    if (!due) return false;
    await this.underSeal(async (manager) => {
      for (const kind of ROLLUP_KINDS) await manager.query(STATEMENTS[kind].sealHours, [hours]);
      await manager.query(SEAL_STATEMENTS.sealHoursAdvance, [hours]);
      for (const kind of ROLLUP_KINDS) await manager.query(STATEMENTS[kind].sealDays, [days]);
      await manager.query(SEAL_STATEMENTS.sealDaysAdvance, [days]);
    });
    // After the hours they read are sealed; a backlog (sessions loaded in bulk) a batch at a time.
    let counted: number;
    do {
      counted = await this.underSeal(async (manager) => {
        const [row] = await manager.query<Array<{ sessions: number }>>(SEAL_STATEMENTS.countSessions, [
          SESSIONS_PER_COUNT,
        ]);
        return row.sessions;
      });
    } while (counted === SESSIONS_PER_COUNT);
    return true;
  }

  /** A transaction that holds inserts into both histories back until it commits. */
  private underSeal<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(SEAL_STATEMENTS.sealLock);
      return work(manager);
    });
  }

  /** Recounts every closed session's energy, after the rollups it reads are refreshed; returns their number. */
  async recountSessions(): Promise<number> {
    await this.dataSource.query(SESSION_STATEMENTS.sessionStatistics);
    const days = await this.dataSource.query<Array<{ day: Date }>>(SESSION_STATEMENTS.sessionDays);
    let sessions = 0;
    for (const { day } of days) {
      sessions += await this.underSeal(async (manager) => {
        const [row] = await manager.query<Array<{ sessions: number }>>(SESSION_STATEMENTS.sessionRecount, [day]);
        return row.sessions;
      });
    }
    return sessions;
  }

  private refreshDay(kind: RollupKind, day: Date): Promise<RefreshedDay> {
    const statement = STATEMENTS[kind];
    return this.dataSource.transaction(async (manager) => {
      await manager.query(statement.lock);
      const [before] = await manager.query<Array<{ rows: number }>>(statement.clear, [day]);
      const [after] = await manager.query<Array<{ rows: number }>>(statement.fill, [day]);
      await manager.query(statement.clearDay, [day]);
      await manager.query(statement.fillDay, [day]);
      return { kind, day, before: before.rows, after: after.rows };
    });
  }
}
