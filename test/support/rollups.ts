import type { DataSource } from 'typeorm';

/** Per kind, the rollup's columns after (device, hour) and the aggregate over history each must equal. */
const EXPECTED: Record<'meter' | 'vehicle', string> = {
  meter: `count(*) AS readings, sum((kwh_consumed_ac * 1000000)::bigint)::bigint AS kwh_micro,
          min(voltage) AS voltage_min, max(voltage) AS voltage_max, sum(voltage::numeric) AS voltage_sum,
          min(ts) AS first_ts, max(ts) AS last_ts, sum(bridged)::bigint AS bridged`,
  vehicle: `count(*) AS readings, sum((kwh_delivered_dc * 1000000)::bigint)::bigint AS kwh_micro,
            min(soc) AS soc_min, max(soc) AS soc_max, sum(soc::numeric) AS soc_sum,
            min(battery_temp) AS battery_temp_min, max(battery_temp) AS battery_temp_max,
            sum(battery_temp::numeric) AS battery_temp_sum, min(ts) AS first_ts, max(ts) AS last_ts,
            sum(bridged)::bigint AS bridged`,
};

/**
 * Every rollup row of `kind` as stored, and as a GROUP BY over its history says it should be, both in
 * (device, bucket) order with the same columns: equal when the rollups are exact. They hold the sealed
 * hours and days only.
 */
export async function rollupsAndHistory(
  dataSource: DataSource,
  kind: 'meter' | 'vehicle',
  bucket: 'hour' | 'day' = 'hour',
): Promise<{ stored: unknown[]; fromHistory: unknown[] }> {
  const device = `${kind}_id`;
  const table = `${kind}_rollup_${bucket === 'hour' ? 'hourly' : 'daily'}`;
  const stored = await dataSource.query<unknown[]>(`SELECT * FROM ${table} ORDER BY ${device}, ${bucket}`);
  const fromHistory = await dataSource.query<unknown[]>(`
    SELECT ${device}, date_trunc('${bucket}', ts - interval '1 microsecond', 'UTC') AS ${bucket}, ${EXPECTED[kind]}
    FROM ${kind}_history WHERE ts <= (SELECT ${bucket === 'hour' ? 'hours_until' : 'days_until'} FROM rollup_seal)
    GROUP BY 1, 2 ORDER BY 1, 2`);
  return { stored, fromHistory };
}

/**
 * Asserts both kinds' hourly and daily rollups of sealed time equal the GROUP BY over history, column
 * for column; returns the hourly row counts.
 */
export async function expectRollupsExact(dataSource: DataSource): Promise<Record<'meter' | 'vehicle', number>> {
  const counts = { meter: 0, vehicle: 0 };
  for (const kind of ['meter', 'vehicle'] as const) {
    const { stored, fromHistory } = await rollupsAndHistory(dataSource, kind);
    expect(stored).toEqual(fromHistory);
    counts[kind] = stored.length;
    const daily = await rollupsAndHistory(dataSource, kind, 'day');
    expect(daily.stored).toEqual(daily.fromHistory);
  }
  return counts;
}
