import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  addFunction,
  aggregate,
  columnType,
  mergeUpdates,
  partitionsOf,
  ROLLUPS,
  type Rollup,
} from './1764430000000-HourlyRollups';

/** The day bucket (day, day + 1 day] of a reading at ts, in UTC like the partitions. */
const DAY = `date_trunc('day', ts - interval '1 microsecond', 'UTC')`;

const dailyOf = (rollup: string) => rollup.replace('_hourly', '_daily');

/** The history insert trigger's function once rollups hold only sealed time: late readings to their hour and day. */
export function sealedAddFunction(spec: Rollup): string {
  const days = {
    table: dailyOf(spec.rollup),
    column: 'day',
    key: DAY,
    where: `ts <= (SELECT days_until FROM rollup_seal)`,
  };
  return addFunction(
    spec,
    `ts <= (SELECT hours_until FROM rollup_seal)`,
    `${aggregate(spec, 'inserted', days)}
     ON CONFLICT (${spec.device}, day) DO UPDATE SET ${mergeUpdates(spec)};`,
  );
}

/**
 * Sealed rollups. Upserting every statement's readings into their hour's rollup row cost each ingest
 * transaction 40-70 % more than its history writes alone; and a month or a year of a device read
 * hour by hour is still hundreds or thousands of rows. So the rollups now hold only sealed time: the
 * hourly rows the hours before `rollup_seal.hours_until`, and new daily rows the days before
 * `days_until`. Sealing aggregates the hours (from history) and the days (from their hours) once, while
 * holding back inserts (src/analytics/rollup.repository.ts: at every start of the service, every few
 * minutes after, and in `npm run analytics:refresh`). From then on the history insert triggers add the
 * readings of sealed time, late ones, to their rows; readings of the current hour, nearly all of them,
 * only pass the trigger's filter on the one-row seal. Analytics reads the daily rows for a span's
 * sealed whole days, the hourly rows for its other sealed whole hours and history for the rest, so its
 * answers are exact whenever the seal last moved.
 *
 * The current hour's rows go: the first seal rebuilds them from history.
 */
export class SealedRollups1764435000000 implements MigrationInterface {
  name = 'SealedRollups1764435000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const bound = (unit: string, column: string) =>
      `CHECK (${column} = '-infinity' OR ${column} = date_trunc('${unit}', ${column}, 'UTC'))`;
    await queryRunner.query(`
      CREATE TABLE rollup_seal (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        hours_until timestamptz NOT NULL ${bound('hour', 'hours_until')},
        days_until timestamptz NOT NULL ${bound('day', 'days_until')},
        CHECK (days_until <= hours_until)
      )`);
    await queryRunner.query(`LOCK TABLE meter_history, vehicle_history IN SHARE MODE`);
    await queryRunner.query(
      `INSERT INTO rollup_seal (hours_until, days_until) VALUES (date_trunc('hour', now(), 'UTC'), '-infinity')`,
    );
    for (const spec of ROLLUPS) {
      const { history, rollup, device, aggregates } = spec;
      await queryRunner.query(`DELETE FROM ${rollup} WHERE hour >= (SELECT hours_until FROM rollup_seal)`);
      const daily = dailyOf(rollup);
      const columns = aggregates.map(([column]) => `${column} ${columnType(column)} NOT NULL`);
      await queryRunner.query(`
        CREATE TABLE ${daily} (
          ${device} text NOT NULL,
          day timestamptz NOT NULL,
          ${columns.join(',\n          ')},
          PRIMARY KEY (${device}, day),
          CONSTRAINT ${daily}_counts CHECK (readings > 0 AND kwh_micro >= 0),
          CONSTRAINT ${daily}_span CHECK (first_ts <= last_ts AND first_ts > day AND last_ts <= day + interval '1 day')
        ) PARTITION BY RANGE (day)`);
      for (const { suffix, bound: range } of await partitionsOf(queryRunner, history)) {
        await queryRunner.query(`CREATE TABLE ${daily}${suffix} PARTITION OF ${daily} ${range}`);
      }
      await queryRunner.query(`CREATE TABLE ${daily}_default PARTITION OF ${daily} DEFAULT`);

      await queryRunner.query(sealedAddFunction(spec));
    }
  }

  /** Back to rollups of every hour, kept by the triggers as readings arrive: the open hours are rebuilt. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`LOCK TABLE meter_history, vehicle_history IN SHARE MODE`);
    for (const spec of ROLLUPS) {
      await queryRunner.query(addFunction(spec));
      await queryRunner.query(
        `${aggregate(spec, spec.history, {
          table: spec.rollup,
          column: 'hour',
          key: `date_trunc('hour', ts - interval '1 microsecond', 'UTC')`,
          where: `ts > (SELECT hours_until FROM rollup_seal)`,
        })}
        ON CONFLICT (${spec.device}, hour) DO UPDATE SET ${mergeUpdates(spec)}`,
      );
      await queryRunner.query(`DROP TABLE IF EXISTS ${dailyOf(spec.rollup)}`);
    }
    await queryRunner.query(`DROP TABLE IF EXISTS rollup_seal`);
  }
}
