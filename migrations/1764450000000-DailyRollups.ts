import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addFunction, aggregate, columnType, mergeUpdates, partitionsOf, ROLLUPS } from './1764430000000-HourlyRollups';

/** The day bucket (day, day + 1 day] of a reading at ts, in UTC like the partitions. */
const DAY = `date_trunc('day', ts - interval '1 microsecond', 'UTC')`;

const dailyOf = (rollup: string) => rollup.replace('_hourly', '_daily');

/**
 * Daily rollups, so that a month or a year of a device costs tens or hundreds of rows rather than
 * hundreds or thousands of hourly ones. Keeping them as readings arrive would double the rollup work
 * of every insert, for rows that only whole past days need; so they hold only "sealed" days, those
 * before `rollup_seal.sealed_until` (a UTC midnight). Sealing a day aggregates its hourly rows once,
 * while holding back inserts (src/analytics/rollup.repository.ts: at every start of the service, hourly
 * after, and in `npm run analytics:refresh`); from then on the history insert triggers add the readings
 * of sealed days, late ones, to the daily rows as well as to the hourly.
 * Readings of today, nearly all of them, touch only the hourly rollups: the trigger reads the one-row
 * seal and filters them out. Analytics reads the daily rows for the sealed whole days of a span and
 * the hourly rows for the rest.
 */
export class DailyRollups1764450000000 implements MigrationInterface {
  name = 'DailyRollups1764450000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE rollup_seal (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        sealed_until timestamptz NOT NULL CHECK (sealed_until = '-infinity' OR sealed_until = date_trunc('day', sealed_until, 'UTC'))
      )`);
    // Nothing sealed yet: until the service seals the past days, analytics reads hourly rows only.
    await queryRunner.query(`INSERT INTO rollup_seal (sealed_until) VALUES ('-infinity')`);
    for (const spec of ROLLUPS) {
      const { history, rollup, device, aggregates } = spec;
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
      for (const { suffix, bound } of await partitionsOf(queryRunner, history)) {
        await queryRunner.query(`CREATE TABLE ${daily}${suffix} PARTITION OF ${daily} ${bound}`);
      }
      await queryRunner.query(`CREATE TABLE ${daily}_default PARTITION OF ${daily} DEFAULT`);

      const sealed = `ts <= (SELECT sealed_until FROM rollup_seal)`;
      await queryRunner.query(
        addFunction(
          spec,
          `${aggregate(spec, 'inserted', { table: daily, column: 'day', key: DAY, where: sealed })}
           ON CONFLICT (${device}, day) DO UPDATE SET ${mergeUpdates(spec)};`,
        ),
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const spec of ROLLUPS) {
      await queryRunner.query(addFunction(spec));
      await queryRunner.query(`DROP TABLE IF EXISTS ${dailyOf(spec.rollup)}`);
    }
    await queryRunner.query(`DROP TABLE IF EXISTS rollup_seal`);
  }
}
