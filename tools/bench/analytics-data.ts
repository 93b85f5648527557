import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { CoverAnalyticsReads1764340000000 } from '../../migrations/1764340000000-CoverAnalyticsReads';
import { RollupRepository } from '../../src/analytics/rollup.repository';
import { RollupService } from '../../src/analytics/rollup.service';
import type { AppConfig } from '../../src/config/config';
import { buildDataSource, type ConnectionTarget } from '../../src/db/data-source';

/** Devices in the analytics benchmark's history: each has a vehicle and the meter it charges at. */
export const DEVICES = 500;
/** Rows per INSERT … SELECT generate_series, so filling 10 M rows never holds one huge statement. */
const CHUNK = 500_000;

/** The service's migrations; `--plain-key` leaves out the covering primary keys, for comparison. */
export async function migratedDataSource(
  target: ConnectionTarget,
  config: AppConfig,
  plainKey: boolean,
): Promise<DataSource> {
  const options = buildDataSource(target, config.db).options;
  const dataSource = await new DataSource({
    ...options,
    migrations: migrations.filter((migration) => !plainKey || migration !== CoverAnalyticsReads1764340000000),
  }).initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}

/**
 * Readings i = 0 … rows-1 in arrival order: minute i / DEVICES, device i % DEVICES, the last minute
 * ending at `end`. Each device also charges 8 hours a day on its own meter.
 */
export async function fill(dataSource: DataSource, rows: number, start: Date, end: Date): Promise<void> {
  const chunks = async (table: string, columns: string, values: string) => {
    for (let from = 0; from < rows; from += CHUNK) {
      await dataSource.query(
        `INSERT INTO ${table} (${columns})
         SELECT ${values} FROM generate_series($2::bigint, $3::bigint) AS i`,
        [start, from, Math.min(from + CHUNK, rows) - 1],
      );
    }
  };
  const minute = `$1::timestamptz + (i / ${DEVICES}) * interval '1 minute'`;
  await Promise.all([
    chunks(
      'vehicle_history',
      'vehicle_id, ts, soc, kwh_delivered_dc, battery_temp',
      `'V-' || (i % ${DEVICES}), ${minute}, 20 + i % 80, 0.02 + (i % 7) * 0.002, 15 + i % 20`,
    ),
    chunks(
      'meter_history',
      'meter_id, ts, kwh_consumed_ac, voltage',
      `'M-' || (i % ${DEVICES}), ${minute}, 0.025 + (i % 5) * 0.002, 230`,
    ),
  ]);
  await dataSource.query(
    `INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
     SELECT 'V-' || d, 'M-' || d, day, day + interval '8 hours'
     FROM generate_series(0, ${DEVICES - 1}) AS d,
          generate_series($1::timestamptz, $2::timestamptz, interval '1 day') AS day`,
    [start, end],
  );
  // Index-only scans skip the heap only on pages the visibility map marks all-visible; the rollups'
  // upserts at the chunk boundaries leave dead row versions to clear. The statistics also let the
  // seal count each session's energy through the primary keys.
  const vacuum = (tables: string) => dataSource.query(`VACUUM (ANALYZE) ${tables}`);
  await vacuum('vehicle_history, meter_history, charging_session, vehicle_rollup_hourly, meter_rollup_hourly');
  // The hours and days past sealed and the sessions counted, as the service does at start and every few minutes.
  // Nothing else writes to the bench's database, so no lock the seal takes is busy for long.
  await new RollupService(new RollupRepository(dataSource, 1_000)).seal();
  await vacuum(
    'charging_session, vehicle_rollup_hourly, meter_rollup_hourly, vehicle_rollup_daily, meter_rollup_daily',
  );
  // The rollups' insert triggers fired for each INSERT … SELECT into the parents, and the seal built
  // the rest: a rollup that missed readings would make the analytics figures look cheaper than they are.
  const [counted] = await dataSource.query<Array<Record<'rolled' | 'sealed' | 'uncounted', string>>>(
    `SELECT (SELECT sum(readings) FROM vehicle_rollup_hourly) + (SELECT sum(readings) FROM meter_rollup_hourly) AS rolled,
            (SELECT count(*) FROM vehicle_history WHERE ts <= (SELECT hours_until FROM rollup_seal))
              + (SELECT count(*) FROM meter_history WHERE ts <= (SELECT hours_until FROM rollup_seal)) AS sealed,
            (SELECT count(*) FROM charging_session WHERE ended_at IS NOT NULL AND kwh_ac_micro IS NULL) AS uncounted`,
  );
  if (counted.rolled !== counted.sealed || counted.uncounted !== '0') {
    throw new Error(
      `the hourly rollups count ${counted.rolled} readings, history ${counted.sealed} in sealed hours; ` +
        `${counted.uncounted} closed sessions without their energy`,
    );
  }
}
