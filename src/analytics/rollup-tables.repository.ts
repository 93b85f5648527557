import { sql } from '../db/sql';

/*
 * The statements of rollup.repository.ts over each history and its hourly and daily rollups: the
 * refresh of a day and the steps of the seal.
 */

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
      ['bridged', 'sum(bridged)::bigint'],
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
      ['bridged', 'sum(bridged)::bigint'],
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
  if (column === 'readings' || column === 'kwh_micro' || column === 'bridged') return `sum(${column})::bigint`;
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
     * no reading is then lost or counted twice. Reads and analytics carry on meanwhile. Taken under
     * lockBoundedTransaction's lock_timeout, so readings never queue behind it for long.
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
    /**
     * The daily rows of the device-days ($1 devices, $2 days, pairwise) rebuilt from the hourly rows
     * left: retention removes a day's readings and hourly rows some hours at a time, and the day's row
     * then holds the hours still there.
     */
    refillDays: sql`
      INSERT INTO ${daily} (${[device, 'day', ...names].join(', ')})
      SELECT d.device, d.day, ${names.map(fromHourly).join(', ')}
      FROM unnest($1::text[], $2::timestamptz[]) AS d(device, day)
      JOIN ${rollup} r ON r.${device} = d.device AND r.hour >= d.day AND r.hour < d.day + interval '1 day'
      GROUP BY 1, 2 ORDER BY 1, 2`,
    /** A step of the seal: the hours from the seal up to $1, or the days from the seal up to $1. */
    sealHours: hoursFromHistory('(SELECT hours_until FROM rollup_seal)', '$1'),
    sealDays: daysFromHours('(SELECT days_until FROM rollup_seal)', '$1'),
  };
}

/** Per kind, the statements over its history and rollup tables. */
export const TABLE_STATEMENTS = { meter: statements(TABLES.meter), vehicle: statements(TABLES.vehicle) };
