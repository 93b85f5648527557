import { isLockNotAvailable } from '../../src/db/lock-timeout';
import {
  expectOnlyHistoryLockWaitedFor,
  heldLikeVacuum,
  ingestingMeanwhile,
  lockWaiters,
  watchLockWaits,
  type LockWaiter,
} from '../support/busy-table';
import { uniqueId } from '../support/factories';
import { expectRollupsExact } from '../support/rollups';
import { createTestApp, type TestApp } from '../support/test-app';

/** The periodic seal beside ingestion: a step at a time, and never queueing readings behind a busy table. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  // Every change of the seal's mark, with the transaction that made it.
  await query(`CREATE TABLE seal_steps (
    id serial, xid xid8, old_hours timestamptz, old_days timestamptz, new_hours timestamptz, new_days timestamptz)`);
  await query(`
    CREATE FUNCTION log_seal_step() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO seal_steps (xid, old_hours, old_days, new_hours, new_days)
      VALUES (pg_current_xact_id(), OLD.hours_until, OLD.days_until, NEW.hours_until, NEW.days_until);
      RETURN NULL;
    END $$`);
  await query(`CREATE TRIGGER log_seal_step AFTER UPDATE ON rollup_seal FOR EACH ROW EXECUTE FUNCTION log_seal_step()`);
});
afterAll(() => t.close());

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const query = <T = unknown>(sql: string, params: unknown[] = []) => t.db.dataSource.query<T[]>(sql, params);

/** The seal set back to `at` (a UTC midnight), as after a long stop: everything since is unsealed. */
async function unsealSince(at: Date): Promise<void> {
  await query(`UPDATE rollup_seal SET hours_until = $1, days_until = $1`, [at]);
  // As if never sealed since: a test before this one may have sealed the last hour, with the readings
  // ingestingMeanwhile posted a minute back when it ran across the hour.
  for (const kind of ['meter', 'vehicle']) {
    await query(`DELETE FROM ${kind}_rollup_hourly WHERE hour >= $1`, [at]);
    await query(`DELETE FROM ${kind}_rollup_daily WHERE day >= $1`, [at]);
  }
  await query(`TRUNCATE seal_steps`);
}

/** Readings of `meterId` and `vehicleId` every `minutes` over [from, from + hours), straight into history. */
async function backfill(meterId: string, vehicleId: string, from: Date, hours: number, minutes: number) {
  const series = `generate_series(1, ${Math.floor((hours * 60) / minutes)}) AS n`;
  const at = `$2::timestamptz + n * interval '${minutes} minutes'`;
  await query(
    `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage) SELECT $1, ${at}, n / 100.0, 220 + n % 20 FROM ${series}`,
    [meterId, from],
  );
  await query(
    `INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
     SELECT $1, ${at}, n % 100, n / 110.0, n % 40 FROM ${series}`,
    [vehicleId, from],
  );
}

/** Samples `read` until the returned stop is called, answering what it saw. */
function sampling<T>(read: () => Promise<T>): () => Promise<T[]> {
  const seen: T[] = [];
  let going = true;
  const loop = (async () => {
    while (going) {
      seen.push(await read());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return async () => {
    going = false;
    await loop;
    return seen;
  };
}

describe('the rollup seal', () => {
  it('catches up on a backlog of many days an hour or a day per transaction, and ends as a recomputation from history would', async () => {
    const today = Math.floor(Date.now() / DAY) * DAY;
    const start = new Date(today - 20 * DAY);
    await unsealSince(start);
    const [meterId, vehicleId] = [uniqueId('SEAL-M'), uniqueId('SEAL-V')];
    // Three busy days, a week with nothing, then four quieter days; one reading on a midnight.
    await backfill(meterId, vehicleId, start, 72, 17);
    await backfill(meterId, vehicleId, new Date(start.getTime() + 10 * DAY), 96, 41);
    await backfill(meterId, vehicleId, new Date(start.getTime() + 15 * DAY - 10 * 60_000), 1, 10);
    await query(
      `INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
       VALUES ($1, $2, $3, $4), ($1, $2, $4, $5)`,
      [vehicleId, meterId, new Date(start.getTime() + 5 * HOUR), new Date(start.getTime() + 11 * DAY), new Date(today)],
    );
    const gauge = sampling(async () => (await t.services.metrics.rollupSealedUntil.get()).values[0]?.value);
    const ingesting = ingestingMeanwhile(t.app);

    expect(await t.services.rollups.seal()).toBe(true);

    expect(new Set(await ingesting.stop())).toEqual(new Set([201]));
    const steps = await query<{ xid: string; hours: number; days: number; buckets: number }>(
      `SELECT xid::text,
              (new_hours > old_hours)::int AS hours, (new_days > old_days)::int AS days,
              (SELECT count(DISTINCT date_trunc(CASE WHEN new_hours > old_hours THEN 'hour' ELSE 'day' END,
                                                ts - interval '1 microsecond', 'UTC'))::int
               FROM (SELECT ts FROM meter_history WHERE meter_id = $1 UNION ALL
                     SELECT ts FROM vehicle_history WHERE vehicle_id = $2) AS readings
               WHERE ts > CASE WHEN new_hours > old_hours THEN old_hours ELSE old_days END
                 AND ts <= CASE WHEN new_hours > old_hours THEN new_hours ELSE new_days END) AS buckets
       FROM seal_steps ORDER BY id`,
      [meterId, vehicleId],
    );
    const [{ hours, days }] = await query<{ hours: number; days: number }>(
      `SELECT count(DISTINCT date_trunc('hour', ts - interval '1 microsecond', 'UTC'))::int AS hours,
              count(DISTINCT date_trunc('day', ts - interval '1 microsecond', 'UTC'))::int AS days
       FROM meter_history WHERE meter_id = $1`,
      [meterId],
    );
    // Each step its own transaction, moving the hours or the days, over the readings of one bucket at most.
    expect(new Set(steps.map((step) => step.xid)).size).toBe(steps.length);
    expect(steps.every((step) => step.hours + step.days === 1 && step.buckets <= 1)).toBe(true);
    expect(steps.filter((step) => step.hours === 1).length).toBeGreaterThanOrEqual(hours);
    expect(steps.filter((step) => step.days === 1).length).toBeGreaterThanOrEqual(days);

    const [mark] = await query<{ hours_until: Date; days_until: Date }>(`SELECT * FROM rollup_seal`);
    expect(mark.days_until.getTime()).toBe(today);
    await expectRollupsExact(t.db.dataSource);
    const sessions = await query<{ counted: string; fromHistory: string }>(
      `SELECT kwh_ac_micro::text AS counted,
              (SELECT sum((kwh_consumed_ac * 1000000)::bigint) FROM meter_history h
               WHERE h.meter_id = s.meter_id AND h.ts > s.started_at AND h.ts <= s.ended_at)::text AS "fromHistory"
       FROM charging_session s WHERE vehicle_id = $1`,
      [vehicleId],
    );
    expect(sessions).toHaveLength(2);
    for (const session of sessions) expect(session.counted).toBe(session.fromHistory);

    // /metrics followed the mark up, step by step, to where it stands.
    const seen = (await gauge()).filter((value): value is number => value !== undefined);
    const distinct = seen.filter((value, i) => i === 0 || value !== seen[i - 1]);
    expect(distinct.length).toBeGreaterThan(10);
    expect(distinct).toEqual([...distinct].sort((a, b) => a - b));
    expect(distinct.at(-1)).toBe(mark.hours_until.getTime() / 1_000);
  });

  it('gives its lock up behind a history partition busy with maintenance, readings still stored; completes once it is free', async () => {
    const today = Math.floor(Date.now() / DAY) * DAY;
    await unsealSince(new Date(today - DAY));
    const [meterId, vehicleId] = [uniqueId('SEAL-M'), uniqueId('SEAL-V')];
    await backfill(meterId, vehicleId, new Date(today - DAY), 12, 30);
    const held = await heldLikeVacuum(t.db.dataSource, 'meter_history_default');
    const watching = watchLockWaits(t.db.dataSource);
    const ingesting = ingestingMeanwhile(t.app);

    const failure: unknown = await t.services.rollups.seal().then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(isLockNotAvailable(failure)).toBe(true);
    expect(new Set(await ingesting.stop())).toEqual(new Set([201]));
    expectOnlyHistoryLockWaitedFor(held, await watching());
    // Given up, not queued: nothing waits behind the busy partition now.
    expect(await lockWaiters(t.db.dataSource)).toEqual([]);
    expect(await query(`SELECT count(*)::int AS steps FROM seal_steps`)).toEqual([{ steps: 0 }]);

    await held.release();
    expect(await t.services.rollups.seal()).toBe(true);
    const [mark] = await query<{ days_until: Date }>(`SELECT days_until FROM rollup_seal`);
    expect(mark.days_until.getTime()).toBe(today);
    await expectRollupsExact(t.db.dataSource);
  });

  it('counts sessions holding no session row while it waits for a rollup, so a retention drop that recounts them is never stuck behind it', async () => {
    await t.services.rollups.seal();
    const [meterId, vehicleId] = [uniqueId('SEAL-M'), uniqueId('SEAL-V')];
    const startedAt = new Date(Date.now() - 3 * DAY);
    await backfill(meterId, vehicleId, startedAt, 5, 20);
    const [{ id }] = await query<{ id: string }>(
      `INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
       VALUES ($1, $2, $3, $3::timestamptz + interval '6 hours') RETURNING id`,
      [vehicleId, meterId, startedAt],
    );
    // What a retention drop of an hourly rollup partition does: the rollup first, then the sessions' rows.
    const drop = t.db.dataSource.createQueryRunner();
    await drop.startTransaction();
    await drop.query(`LOCK TABLE vehicle_rollup_hourly IN ACCESS EXCLUSIVE MODE`);
    const [{ pid }] = (await drop.query(`SELECT pg_backend_pid() AS pid`)) as Array<{ pid: number }>;
    const sealing = t.services.rollups.seal().catch((error: unknown) => error);
    for (let seen: LockWaiter[] = []; !seen.some((waiter) => waiter.blockedBy.includes(pid));) {
      seen = await lockWaiters(t.db.dataSource);
    }

    // Would wait for the seal, and deadlock with it, had the seal locked the session first.
    await drop.query(`SET LOCAL lock_timeout = '100ms'`);
    await drop.query(`UPDATE charging_session SET kwh_ac_micro = NULL, kwh_dc_micro = NULL WHERE id = $1`, [id]);
    await drop.commitTransaction();
    await drop.release();

    const failure = await sealing;
    if (failure !== true) expect(isLockNotAvailable(failure)).toBe(true);
    await t.services.rollups.seal();
    const [session] = await query<{ counted: string; fromHistory: string }>(
      `SELECT kwh_ac_micro::text AS counted,
              (SELECT sum((kwh_consumed_ac * 1000000)::bigint) FROM meter_history h
               WHERE h.meter_id = s.meter_id AND h.ts > s.started_at AND h.ts <= s.ended_at)::text AS "fromHistory"
       FROM charging_session s WHERE id = $1`,
      [id],
    );
    expect(session.counted).toBe(session.fromHistory);
  });
});
