import { sql } from '../db/sql';

/*
 * The building blocks of the analytics statements (analytics.repository.ts) that read readings the
 * way the hourly rollups bucket them: whole hours from the rollups, partial hours from history.
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
 * for first_hour <= hour < tail_start; the readings of (from_ts, head_end] and (tail_start, until_ts],
 * at most an hour each, are the partial hours at the edges, left to history.
 */
export const split = (relation: string) => sql`
  SELECT s.*, b.first_hour, least(b.first_hour, s.until_ts) AS head_end,
         greatest(date_trunc('hour', s.until_ts, 'UTC'), b.first_hour) AS tail_start
  FROM ${relation} s
  CROSS JOIN LATERAL (
    SELECT date_trunc('hour', s.from_ts - interval '1 microsecond', 'UTC') + interval '1 hour' AS first_hour
  ) b`;

export interface Readings {
  history: string;
  rollup: string;
  device: string;
  /** Per column of the sums: its value from a rollup row `r`, and from a history row `h`. */
  columns: Record<string, [rollup: string, history: string]>;
}

/**
 * The sums of `readings` of the device `deviceOf`: from the rollup, over the hours `hours` selects,
 * and from history, over the edges of the split span `s`. Each is a range scan of a primary key that
 * also states the window ($1, $2], which contains every span, so that the planner prunes the
 * partitions outside it.
 */
export function sums(
  { history, rollup, device, columns }: Readings,
  deviceOf: string,
  parts: { hours?: string; edges?: boolean },
) {
  const names = Object.keys(columns);
  const pick = (side: 0 | 1, alias: string) =>
    names.map((name) => `${columns[name][side].replaceAll('$.', `${alias}.`)} AS ${name}`).join(', ');
  const edge = (after: string, upto: string) => sql`
    SELECT ${pick(1, 'h')} FROM ${history} h
    WHERE h.${device} = ${deviceOf} AND h.ts > $1 AND h.ts <= $2 AND h.ts > ${after} AND h.ts <= ${upto}`;
  const scans = [
    ...(parts.hours === undefined
      ? []
      : [
          sql`
            SELECT ${pick(0, 'r')} FROM ${rollup} r
            WHERE r.${device} = ${deviceOf} AND r.hour >= $1 AND r.hour < $2 AND ${parts.hours}`,
        ]),
    ...(parts.edges ? [edge('s.from_ts', 's.head_end'), edge('s.tail_start', 's.until_ts')] : []),
  ];
  return sql`
    SELECT ${names.map((name) => `coalesce(sum(${name}), 0) AS ${name}`).join(', ')}
    FROM (
      ${scans.join('\nUNION ALL\n')}
    ) readings`;
}

export const AC: Readings = {
  history: 'meter_history',
  rollup: 'meter_rollup_hourly',
  device: 'meter_id',
  columns: { ac: ['$.kwh_micro', micro('$.kwh_consumed_ac')] },
};
export const DC: Readings = {
  history: 'vehicle_history',
  rollup: 'vehicle_rollup_hourly',
  device: 'vehicle_id',
  columns: { dc: ['$.kwh_micro', micro('$.kwh_delivered_dc')] },
};
export const VEHICLE_WINDOW: Readings = {
  ...DC,
  columns: {
    dc_window: ['$.kwh_micro', micro('$.kwh_delivered_dc')],
    // The window's whole hours that are also whole hours of a period; its edges never are.
    dc_hours: ['CASE WHEN p.dc_hours @> $.hour THEN $.kwh_micro ELSE 0 END', '0'],
    record_count: ['$.readings', '1'],
    // numeric, as in the rollups: a sum that is exact whatever the order, so its average is too.
    temp_sum: ['$.battery_temp_sum', '$.battery_temp::numeric'],
  },
};
