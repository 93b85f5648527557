import { sql } from '../db/sql';

/*
 * The building blocks of the analytics statements (analytics.repository.ts) that read readings the
 * way the rollups bucket them: sealed whole days and hours from the daily and hourly rollups, the
 * rest from history.
 */

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
 * for first_hour <= hour < tail_start, and the rollups hold it when it is also before the seal's
 * hours_until; the readings of (from_ts, head_end] and (tail_start, until_ts] (a partial hour at the
 * start, the hours after the seal and a partial one at the end) are left to history. Of the whole
 * hours, those of the sealed whole days first_day <= day < days_end can be read a day at a time from
 * the daily rollups, the rest ([first_hour, first_day) and [days_end, tail_start)) an hour at a time.
 */
export const split = (relation: string) => sql`
  SELECT s.*, b.first_hour, least(b.first_hour, s.until_ts) AS head_end, t.tail_start, f.first_day,
         greatest(f.first_day, least(date_trunc('day', t.tail_start, 'UTC'), (SELECT days_until FROM rollup_seal))) AS days_end
  FROM ${relation} s
  CROSS JOIN LATERAL (
    SELECT date_trunc('hour', s.from_ts - interval '1 microsecond', 'UTC') + interval '1 hour' AS first_hour
  ) b
  CROSS JOIN LATERAL (
    SELECT greatest(least(date_trunc('hour', s.until_ts, 'UTC'), (SELECT hours_until FROM rollup_seal)), b.first_hour) AS tail_start
  ) t
  CROSS JOIN LATERAL (
    SELECT least(date_trunc('day', b.first_hour - interval '1 microsecond', 'UTC') + interval '1 day', t.tail_start) AS first_day
  ) f`;

export interface Readings {
  history: string;
  rollup: string;
  daily: string;
  device: string;
  /** The function answering what the register gap around a time spreads before it (1764500000000-SpreadGapEnergy). */
  cut: string;
  /**
   * Per column of the sums: its value from a rollup row `r` (hourly or daily), from a history row `h`,
   * and, for what a register gap spreads over time (energy, readings covered), from a cut `c`.
   */
  columns: Record<string, [rollup: string, history: string, cut?: string]>;
}

/**
 * The sums of `readings` of the device `deviceOf`: from the hourly rollup over the hours each of
 * `hours` selects, from the daily rollup over the days `days` selects, and from history over the edges
 * of the split span `s`. Each is a range scan of a primary key that also states the window ($1, $2],
 * which contains every span, so that the planner prunes the partitions outside it.
 *
 * The rollups and the edges count each reading whole at its ts; with `edges`, the span's own two ends
 * also cut the register gaps around them: what such a gap spreads over (from_ts, until_ts] is what it
 * spreads before until_ts less what it spreads before from_ts.
 */
export function sums(
  { history, rollup, daily, device, cut, columns }: Readings,
  deviceOf: string,
  parts: { hours?: string[]; days?: string; edges?: boolean },
) {
  const names = Object.keys(columns);
  const pick = (side: 0 | 1 | 2, alias: string, sign = '') =>
    names
      .map((name) => {
        const value = columns[name][side];
        return `${value === undefined ? '0' : `${sign}${value.replaceAll('$.', `${alias}.`)}`} AS ${name}`;
      })
      .join(', ');
  const bucketed = (table: string, key: string, where: string) => sql`
    SELECT ${pick(0, 'r')} FROM ${table} r
    WHERE r.${device} = ${deviceOf} AND r.${key} >= $1 AND r.${key} < $2 AND ${where}`;
  const edge = (after: string, upto: string) => sql`
    SELECT ${pick(1, 'h')} FROM ${history} h
    WHERE h.${device} = ${deviceOf} AND h.ts > $1 AND h.ts <= $2 AND h.ts > ${after} AND h.ts <= ${upto}`;
  const scans = [
    ...(parts.hours ?? []).map((where) => bucketed(rollup, 'hour', where)),
    ...(parts.days === undefined ? [] : [bucketed(daily, 'day', parts.days)]),
    ...(parts.edges
      ? [
          edge('s.from_ts', 's.head_end'),
          edge('s.tail_start', 's.until_ts'),
          sql`SELECT ${pick(2, 'c')} FROM ${cut}(${deviceOf}, s.until_ts) c`,
          sql`SELECT ${pick(2, 'c', '-')} FROM ${cut}(${deviceOf}, s.from_ts) c`,
        ]
      : []),
  ];
  return sql`
    SELECT ${names.map((name) => `coalesce(sum(${name}), 0) AS ${name}`).join(', ')}
    FROM (
      ${scans.join('\nUNION ALL\n')}
    ) readings`;
}

/** The whole hours of the split span `s`: sealed whole days from the daily rollups, the rest hourly. */
export const WHOLE_HOURS = {
  hours: ['r.hour >= s.first_hour AND r.hour < s.first_day', 'r.hour >= s.days_end AND r.hour < s.tail_start'],
  days: 'r.day >= s.first_day AND r.day < s.days_end',
};

export const AC: Readings = {
  history: 'meter_history',
  rollup: 'meter_rollup_hourly',
  daily: 'meter_rollup_daily',
  device: 'meter_id',
  cut: 'meter_cut',
  // The readings behind the energy, for its coverage: with those a register reading's gap lost but
  // whose energy it carries (bridged).
  columns: {
    ac: ['$.kwh_micro', micro('$.kwh_consumed_ac'), '$.kwh_micro'],
    ac_n: ['$.readings + $.bridged', '1 + $.bridged', '$.covered'],
  },
};
export const DC: Readings = {
  history: 'vehicle_history',
  rollup: 'vehicle_rollup_hourly',
  daily: 'vehicle_rollup_daily',
  device: 'vehicle_id',
  cut: 'vehicle_cut',
  columns: {
    dc: ['$.kwh_micro', micro('$.kwh_delivered_dc'), '$.kwh_micro'],
    dc_n: ['$.readings + $.bridged', '1 + $.bridged', '$.covered'],
  },
};
export const VEHICLE_WINDOW: Readings = {
  ...DC,
  columns: {
    dc_window: ['$.kwh_micro', micro('$.kwh_delivered_dc'), '$.kwh_micro'],
    record_count: ['$.readings', '1'],
    // numeric, as in the rollups: a sum that is exact whatever the order, so its average is too.
    temp_sum: ['$.battery_temp_sum', '$.battery_temp::numeric'],
  },
};
