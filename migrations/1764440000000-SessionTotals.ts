import type { MigrationInterface, QueryRunner } from 'typeorm';

interface Side {
  /** The charging_session column holding the side's energy over a closed session, in micro-kWh. */
  total: string;
  history: string;
  rollup: string;
  device: string;
  energy: string;
  /** Energy over (from_ts, until_ts] of one device, in micro-kWh. */
  fn: string;
}

const SIDES: Side[] = [
  {
    total: 'kwh_ac_micro',
    history: 'meter_history',
    rollup: 'meter_rollup_hourly',
    device: 'meter_id',
    energy: 'kwh_consumed_ac',
    fn: 'meter_kwh_micro',
  },
  {
    total: 'kwh_dc_micro',
    history: 'vehicle_history',
    rollup: 'vehicle_rollup_hourly',
    device: 'vehicle_id',
    energy: 'kwh_delivered_dc',
    fn: 'vehicle_kwh_micro',
  },
];

/**
 * The sealed whole hours of the span from the hourly rollups, the rest (the partial hours at its
 * start, and the hours after the seal or partial at its end) from history: the same split, and the
 * same per-reading rounding to micro-kWh, as the analytics statements, so a stored total is what they
 * would compute. The outer bounds on ts and hour let the executor prune the partitions outside the span.
 */
const energyFunction = ({ history, rollup, device, energy, fn }: Side) => `
  CREATE FUNCTION ${fn}(device text, from_ts timestamptz, until_ts timestamptz) RETURNS numeric
  LANGUAGE sql STABLE AS $$
    SELECT coalesce((
             SELECT sum(r.kwh_micro) FROM ${rollup} r
             WHERE r.${device} = device AND r.hour >= s.first_hour AND r.hour < s.tail_start
               AND r.hour >= from_ts - interval '1 hour' AND r.hour < until_ts
           ), 0)
         + coalesce((
             SELECT sum((h.${energy} * 1000000)::bigint) FROM ${history} h
             WHERE h.${device} = device AND h.ts > from_ts AND h.ts <= until_ts
               AND (h.ts <= s.head_end OR h.ts > s.tail_start)
           ), 0)
    FROM (
      SELECT first_hour, least(first_hour, until_ts) AS head_end,
             greatest(least(date_trunc('hour', until_ts, 'UTC'), (SELECT hours_until FROM rollup_seal)), first_hour) AS tail_start
      FROM (SELECT date_trunc('hour', from_ts - interval '1 microsecond', 'UTC') + interval '1 hour' AS first_hour) b
    ) s
  $$`;

/**
 * A counted session's readings, started_at < ts <= ended_at, that a statement inserts late are added
 * to its energy in the same transaction (an uncounted one stays NULL until the seal counts it). Only sessions that end at or after the statement's earliest
 * reading can take any, which the partial index on ended_at finds: for readings arriving as they are
 * taken, the sessions that closed in the last moments.
 */
const addFunction = ({ total, device, energy }: Side) => `
  CREATE FUNCTION charging_session_add_${device}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE charging_session c SET ${total} = c.${total} + a.kwh
    FROM (
      SELECT s.id, s.vehicle_id, sum((i.${energy} * 1000000)::bigint) AS kwh
      FROM charging_session s JOIN inserted i ON i.${device} = s.${device} AND i.ts > s.started_at AND i.ts <= s.ended_at
      WHERE s.ended_at >= (SELECT min(ts) FROM inserted)
      GROUP BY s.id, s.vehicle_id
    ) a
    WHERE c.id = a.id AND c.vehicle_id = a.vehicle_id;
    RETURN NULL;
  END
  $$`;

/**
 * Each closed charging session carries its AC and DC energy, so a month of sessions costs a fleet
 * answer one row each rather than two partial hours of history at each end. The energy is counted by
 * the rollup seal (src/analytics/rollup.repository.ts), every few minutes, for the closed sessions that
 * have none yet, while it holds inserts back anyway: so no reading can commit between counting and
 * committing and be missed. Until then, and while a session is open, the energy is NULL and analytics
 * reads the session from the rollups and history like any span. Writing a session closed, closing it
 * or changing its span, vehicle or meter, whatever writes it, sets the energy back to NULL; readings
 * inserted later into a counted session's span are added by the history triggers.
 */
export class SessionTotals1764440000000 implements MigrationInterface {
  name = 'SessionTotals1764440000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const side of SIDES) await queryRunner.query(energyFunction(side));
    await queryRunner.query(`
      ALTER TABLE charging_session ADD COLUMN kwh_ac_micro numeric, ADD COLUMN kwh_dc_micro numeric,
        ADD CONSTRAINT charging_session_counted_when_closed
        CHECK (ended_at IS NOT NULL OR (kwh_ac_micro IS NULL AND kwh_dc_micro IS NULL))`);
    await queryRunner.query(
      `CREATE INDEX charging_session_ended_at_idx ON charging_session (ended_at) WHERE ended_at IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE INDEX charging_session_uncounted_idx ON charging_session (started_at)
      WHERE ended_at IS NOT NULL AND (kwh_ac_micro IS NULL OR kwh_dc_micro IS NULL)`);
    await queryRunner.query(`
      CREATE FUNCTION charging_session_uncount() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.kwh_ac_micro := NULL;
        NEW.kwh_dc_micro := NULL;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER charging_session_uncount
      BEFORE INSERT OR UPDATE OF vehicle_id, meter_id, started_at, ended_at ON charging_session
      FOR EACH ROW EXECUTE FUNCTION charging_session_uncount()`);
    for (const side of SIDES) {
      await queryRunner.query(addFunction(side));
      await queryRunner.query(`
        CREATE TRIGGER ${side.history}_session_totals AFTER INSERT ON ${side.history}
        REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION charging_session_add_${side.device}()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const { history, device } of SIDES) {
      await queryRunner.query(`DROP TRIGGER IF EXISTS ${history}_session_totals ON ${history}`);
      await queryRunner.query(`DROP FUNCTION IF EXISTS charging_session_add_${device}()`);
    }
    await queryRunner.query(`DROP TRIGGER IF EXISTS charging_session_uncount ON charging_session`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS charging_session_uncount()`);
    await queryRunner.query(`DROP INDEX IF EXISTS charging_session_ended_at_idx, charging_session_uncounted_idx`);
    await queryRunner.query(`
      ALTER TABLE charging_session DROP CONSTRAINT IF EXISTS charging_session_counted_when_closed,
        DROP COLUMN IF EXISTS kwh_ac_micro, DROP COLUMN IF EXISTS kwh_dc_micro`);
    for (const { fn } of SIDES)
      await queryRunner.query(`DROP FUNCTION IF EXISTS ${fn}(text, timestamptz, timestamptz)`);
  }
}
