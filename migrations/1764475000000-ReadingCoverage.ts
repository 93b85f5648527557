import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addByDevice, SIDES as ENERGY_SIDES } from './1764461000000-SessionsByDeviceAndEnd';

interface Side {
  /** The charging_session column holding the side's energy, and the one holding its readings. */
  total: string;
  readings: string;
  history: string;
  rollup: string;
  device: string;
  fn: string;
}

export const SIDES: Side[] = [
  {
    total: 'kwh_ac_micro',
    readings: 'ac_readings',
    history: 'meter_history',
    rollup: 'meter_rollup_hourly',
    device: 'meter_id',
    fn: 'meter_readings',
  },
  {
    total: 'kwh_dc_micro',
    readings: 'dc_readings',
    history: 'vehicle_history',
    rollup: 'vehicle_rollup_hourly',
    device: 'vehicle_id',
    fn: 'vehicle_readings',
  },
];

const readingsOf = (total: string) => SIDES.find((side) => side.total === total)!.readings;

/** What a rollup row `r` and a history row `h` count for, as this migration counts them: every reading once. */
export const COUNTED = { rollup: 'r.readings', history: 'count(*)' };

/**
 * A device's readings in (from_ts, until_ts]: the sealed whole hours from the hourly rollups, the rest
 * from history, split as the session energy functions (1764440000000-SessionTotals) split a span.
 */
export const countFunction = ({ history, rollup, device, fn }: Side, counted = COUNTED) => `
  CREATE OR REPLACE FUNCTION ${fn}(device text, from_ts timestamptz, until_ts timestamptz) RETURNS bigint
  LANGUAGE sql STABLE AS $$
    SELECT coalesce((
             SELECT sum(${counted.rollup}) FROM ${rollup} r
             WHERE r.${device} = device AND r.hour >= s.first_hour AND r.hour < s.tail_start
               AND r.hour >= from_ts - interval '1 hour' AND r.hour < until_ts
           ), 0)::bigint
         + (SELECT ${counted.history} FROM ${history} h
            WHERE h.${device} = device AND h.ts > from_ts AND h.ts <= until_ts
              AND (h.ts <= s.head_end OR h.ts > s.tail_start))
    FROM (
      SELECT first_hour, least(first_hour, until_ts) AS head_end,
             greatest(least(date_trunc('hour', until_ts, 'UTC'), (SELECT hours_until FROM rollup_seal)), first_hour) AS tail_start
      FROM (SELECT date_trunc('hour', from_ts - interval '1 microsecond', 'UTC') + interval '1 hour' AS first_hour) b
    ) s
  $$`;

/**
 * Whatever sets a side's energy (the seal counting a session, retention recounting it, partition upkeep
 * clearing it) sets its readings from the same rows in the same statement, so the two never disagree
 * and no writer of energy has to know about readings. The history triggers, which add a late reading's
 * energy to its counted session, add its count themselves (addByDevice): a statement that changes the
 * readings is taken at its word rather than paying for a recount on the ingest path.
 */
const recountFunction = ({ total, readings, device, fn }: Side) => `
  CREATE FUNCTION charging_session_${readings}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.${total} IS NULL THEN
      NEW.${readings} := NULL;
    ELSIF NEW.${readings} IS NULL OR NEW.${readings} IS NOT DISTINCT FROM OLD.${readings} THEN
      NEW.${readings} := ${fn}(NEW.${device}, NEW.started_at, NEW.ended_at);
    END IF;
    RETURN NEW;
  END
  $$`;

const UNCOUNT = (readings: boolean) => `
  CREATE OR REPLACE FUNCTION charging_session_uncount() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    NEW.kwh_ac_micro := NULL;
    NEW.kwh_dc_micro := NULL;
    ${readings ? 'NEW.ac_readings := NULL; NEW.dc_readings := NULL;' : ''}
    RETURN NEW;
  END
  $$`;

/**
 * Coverage: how many of the readings a device should have sent over a span arrived. A vehicle whose
 * link drops readings shows less DC than it took and would look faulty; a meter that drops them makes
 * its vehicle look better than it is. So each counted session carries, beside its energy, the number
 * of readings behind each side, and each device may state the interval it reports at (null: the
 * service's READING_INTERVAL_SECONDS).
 */
export class ReadingCoverage1764475000000 implements MigrationInterface {
  name = 'ReadingCoverage1764475000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE device ADD COLUMN reporting_interval_s integer
        CONSTRAINT device_reporting_interval CHECK (reporting_interval_s BETWEEN 1 AND 86400)`);
    await queryRunner.query(`
      ALTER TABLE charging_session ADD COLUMN ac_readings bigint, ADD COLUMN dc_readings bigint,
        ADD CONSTRAINT charging_session_readings_counted
        CHECK ((ac_readings IS NULL OR kwh_ac_micro IS NOT NULL) AND (dc_readings IS NULL OR kwh_dc_micro IS NOT NULL))`);
    await queryRunner.query(UNCOUNT(true));
    // Retention recounts the sessions that still carry readings, not only those with energy: a full
    // battery's session has readings and no energy, and its count must fall when its readings expire.
    await queryRunner.query(`DROP INDEX charging_session_energy_ended_idx`);
    await queryRunner.query(`
      CREATE INDEX charging_session_counted_ended_idx ON charging_session (ended_at, id)
      WHERE kwh_ac_micro <> 0 OR kwh_dc_micro <> 0 OR ac_readings <> 0 OR dc_readings <> 0`);
    for (const side of SIDES) {
      await queryRunner.query(countFunction(side));
      await queryRunner.query(recountFunction(side));
      // BEFORE triggers run in name order: charging_session_uncount comes after these and clears both
      // when a statement moves the span too.
      await queryRunner.query(`
        CREATE TRIGGER charging_session_${side.readings} BEFORE UPDATE OF ${side.total} ON charging_session
        FOR EACH ROW EXECUTE FUNCTION charging_session_${side.readings}()`);
      await queryRunner.query(`
        UPDATE charging_session SET ${side.readings} = ${side.fn}(${side.device}, started_at, ended_at)
        WHERE ${side.total} IS NOT NULL`);
    }
    for (const side of ENERGY_SIDES) await queryRunner.query(addByDevice(side, readingsOf(side.total)));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const side of ENERGY_SIDES) await queryRunner.query(addByDevice(side));
    for (const { readings, fn } of SIDES) {
      await queryRunner.query(`DROP TRIGGER charging_session_${readings} ON charging_session`);
      await queryRunner.query(`DROP FUNCTION charging_session_${readings}()`);
      await queryRunner.query(`DROP FUNCTION ${fn}(text, timestamptz, timestamptz)`);
    }
    await queryRunner.query(UNCOUNT(false));
    await queryRunner.query(`DROP INDEX charging_session_counted_ended_idx`);
    await queryRunner.query(`
      CREATE INDEX charging_session_energy_ended_idx ON charging_session (ended_at, id)
      WHERE kwh_ac_micro <> 0 OR kwh_dc_micro <> 0`);
    await queryRunner.query(`
      ALTER TABLE charging_session DROP CONSTRAINT charging_session_readings_counted,
        DROP COLUMN ac_readings, DROP COLUMN dc_readings`);
    await queryRunner.query(
      `ALTER TABLE device DROP CONSTRAINT device_reporting_interval, DROP COLUMN reporting_interval_s`,
    );
  }
}
