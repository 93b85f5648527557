import type { DataSource } from 'typeorm';
import { RollupRepository } from '../../src/analytics/rollup.repository';
import { RollupService } from '../../src/analytics/rollup.service';
import { parseSeriesQuery } from '../../src/analytics/series.dto';
import { SeriesRepository } from '../../src/analytics/series.repository';
import { SeriesService } from '../../src/analytics/series.service';
import type { Reading } from '../../src/ingestion/ingestion.dto';
import { IngestionRepository } from '../../src/ingestion/ingestion.repository';
import { PartitionRepository } from '../../src/partitions/partition.repository';
import { PartitionService } from '../../src/partitions/partition.service';
import type { AppConfig } from '../../src/config/config';
import { DEVICES } from './analytics-data';

/** The vehicle (and its meter) with a year of readings, for the series timings. */
export const YEAR_VEHICLE = 'V-YEAR';
const YEAR_METER = 'M-YEAR';
const DAY_MS = 86_400_000;

/**
 * A year of one reading a minute for YEAR_VEHICLE and its meter, ending at `end`, and an 8 h session a
 * day, into the month's database: the months before it get their partitions first, as the server
 * would have made them. Loaded with SQL, so the insert triggers keep the rollups and the sessions'
 * energy as they would for any backfill.
 */
export async function fillYear(dataSource: DataSource, config: AppConfig, end: Date): Promise<void> {
  const start = new Date(end.getTime() - 365 * DAY_MS);
  for (let month = 0; month <= 12; month++) {
    const at = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + month, 1));
    const repository = new PartitionRepository(dataSource, config.db.lockTimeoutMs);
    await new PartitionService(repository, config.partitions, () => at).maintain();
  }
  const minutes = `generate_series($1::timestamptz + interval '1 minute', $2::timestamptz, interval '1 minute') AS ts`;
  await dataSource.query(
    `INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
     SELECT '${YEAR_VEHICLE}', ts, 50, 0.021, 20 FROM ${minutes}`,
    [start, end],
  );
  await dataSource.query(
    `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage) SELECT '${YEAR_METER}', ts, 0.025, 230 FROM ${minutes}`,
    [start, end],
  );
  await dataSource.query(
    `INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
     SELECT '${YEAR_VEHICLE}', '${YEAR_METER}', day + interval '1 hour', day + interval '9 hours'
     FROM generate_series(date_trunc('day', $1::timestamptz, 'UTC'), $2::timestamptz - interval '9 hours', interval '1 day') AS day`,
    [start, end],
  );
  await dataSource.query('VACUUM (ANALYZE) vehicle_history, meter_history, charging_session');
  // Its sessions counted, as the service's next seal would.
  await new RollupService(new RollupRepository(dataSource, config.db.lockTimeoutMs)).seal();
}

/** One vehicle's series with the bucket the API picks by default, as a chart asks for it. */
export function seriesCall(dataSource: DataSource, end: Date): (days: number) => Promise<unknown> {
  const service = new SeriesService(new SeriesRepository(dataSource, 60));
  return (days) =>
    service.vehicleSeries(
      YEAR_VEHICLE,
      parseSeriesQuery({ from: new Date(end.getTime() - days * DAY_MS).toISOString(), to: end.toISOString() }, end),
    );
}

/** The same year of daily points straight from history, as a chart had to ask before the rollups. */
export function rawSeriesCall(dataSource: DataSource, end: Date): (days: number) => Promise<unknown> {
  return (days) =>
    dataSource.query(
      `SELECT date_trunc('day', ts - interval '1 microsecond', 'UTC') AS day, count(*),
              sum((kwh_delivered_dc * 1000000)::bigint), avg(soc::numeric), min(soc), max(soc),
              avg(battery_temp::numeric), min(battery_temp), max(battery_temp)
       FROM vehicle_history WHERE vehicle_id = $1 AND ts > $2 AND ts <= $3 GROUP BY 1 ORDER BY 1`,
      [YEAR_VEHICLE, new Date(end.getTime() - days * DAY_MS), end],
    );
}

const HISTORY_TRIGGERS = ['meter_history', 'vehicle_history'];

/**
 * One transaction of the service's write path (2,000 readings: the last two minutes of every device,
 * stamped from now, as they arrive from a fleet) with the history triggers (rollups, sessions' energy)
 * on or off: off is the write path as it was before the rollups.
 */
export async function timeIngest(dataSource: DataSource, triggers: boolean): Promise<number> {
  for (const table of HISTORY_TRIGGERS) {
    await dataSource.query(`ALTER TABLE ${table} ${triggers ? 'ENABLE' : 'DISABLE'} TRIGGER USER`);
  }
  const now = Date.now();
  const readings: Reading[] = [];
  for (const timestamp of [new Date(now - 60_000), new Date(now)]) {
    for (let device = 0; device < DEVICES; device++) {
      readings.push({ type: 'meter', meterId: `M-${device}`, kwhConsumedAc: 0.03, voltage: 230, timestamp });
      readings.push({
        type: 'vehicle',
        vehicleId: `V-${device}`,
        soc: 50,
        kwhDeliveredDc: 0.025,
        batteryTemp: 20,
        timestamp,
      });
    }
  }
  const started = performance.now();
  await new IngestionRepository(dataSource).write(readings);
  return performance.now() - started;
}
