import request from 'supertest';
import type { QueryRunner } from 'typeorm';
import { createTestApp, type TestApp } from '../support/test-app';
import { meterReading, uniqueId } from '../support/factories';
import { maintenanceAt, partitionNames } from '../support/partitions';

/**
 * Every lock partition maintenance takes waits at most DB_LOCK_TIMEOUT_MS; one it cannot have is
 * given up, tried again after a pause, and then left to the next run, while readings keep coming in.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const DAY_MS = 86_400_000;
const RETAIN_30_DAYS = { interval: { count: 1, unit: 'day' }, retention: { count: 30, unit: 'day' } } as const;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();

/** Another session's open transaction, having run `statement`, until released. */
async function holding(statement: string, params: unknown[] = []): Promise<QueryRunner> {
  const runner = t.db.dataSource.createQueryRunner();
  await runner.startTransaction();
  await runner.query(statement, params);
  return runner;
}
const release = async (runner: QueryRunner) => {
  await runner.commitTransaction();
  await runner.release();
};

/** Current readings posted one after another while `work` runs; their statuses. */
async function postingDuring(work: Promise<unknown>): Promise<number[]> {
  const statuses: number[] = [];
  let done = false;
  const finished = work.finally(() => (done = true));
  const meterId = uniqueId('MTR');
  for (let n = 0; !done; n++) {
    const timestamp = new Date(Date.now() - 60_000 + n).toISOString();
    statuses.push((await request(t.app).post('/v1/ingestion/meter').send(meterReading({ meterId, timestamp }))).status);
  }
  await finished;
  return statuses;
}

it('a retention drop that cannot lock the table behind a long reader gives up, keeps the rollups of what history still has, and drops it all on a later run', async () => {
  const db = t.db.dataSource;
  await maintenanceAt(db, daysAgo(40), { interval: RETAIN_30_DAYS.interval }).maintain();
  await maintenanceAt(db, new Date().toISOString(), { interval: RETAIN_30_DAYS.interval, ahead: 1 }).maintain();
  const old = (await partitionNames(db, 'meter_history'))[0];
  // As a long export does: its partitions and their parent held in ACCESS SHARE until it ends.
  const reader = await holding(`SELECT count(*) FROM meter_history WHERE ts <= $1`, [daysAgo(39)]);
  let reports;
  try {
    const run = maintenanceAt(db, new Date().toISOString(), RETAIN_30_DAYS).maintain();
    const statuses = await postingDuring(run);
    expect(statuses.every((status) => status === 201)).toBe(true);
    reports = await run;
  } finally {
    await release(reader);
  }
  expect(reports.map((report) => [report.table, report.skipped ? report.reason : report.dropped.length])).toEqual([
    ['meter_history', 'lock timeout'],
    ['vehicle_history', 1],
    ['meter_rollup_hourly', 0],
    ['vehicle_rollup_hourly', 1],
    ['meter_rollup_daily', 0],
    ['vehicle_rollup_daily', 1],
  ]);
  expect(await partitionNames(db, 'meter_rollup_hourly')).toContain(old.replace('history', 'rollup_hourly'));

  const again = await maintenanceAt(db, new Date().toISOString(), RETAIN_30_DAYS).maintain();
  expect(again.map((report) => !report.skipped && report.dropped.length)).toEqual([1, 0, 1, 0, 1, 0]);
});

it('expiry of the default partition gives up while a backfill writes into it, leaving current readings alone, and finishes on a later run', async () => {
  const db = t.db.dataSource;
  const meterId = uniqueId('MTR');
  // An expired backfill, stored, and another reading of it under way in an open transaction.
  await db.query(
    `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage) VALUES ($1, '2019-04-01T10:00:00Z', 1, 230)`,
    [meterId],
  );
  const backfill = await holding(
    `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage) VALUES ($1, '2019-04-01T10:01:00Z', 1, 230)`,
    [meterId],
  );
  let meter;
  try {
    const run = maintenanceAt(db, new Date().toISOString(), RETAIN_30_DAYS).maintain();
    const statuses = await postingDuring(run);
    expect(statuses.every((status) => status === 201)).toBe(true);
    [meter] = await run;
  } finally {
    await release(backfill);
  }
  expect(meter).toMatchObject({ skipped: false, expiry: { expired: 0, complete: false } });

  const [done] = await maintenanceAt(db, new Date().toISOString(), RETAIN_30_DAYS).maintain();
  expect(done).toMatchObject({ expiry: { expired: 2, complete: true } });
  expect(await db.query(`SELECT 1 FROM meter_history WHERE meter_id = $1`, [meterId])).toEqual([]);
});
