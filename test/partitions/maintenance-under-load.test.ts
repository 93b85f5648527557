import { Client } from 'pg';
import request from 'supertest';
import { clientConfig, withDatabase } from '../../src/db/data-source';
import type { MaintenanceReport } from '../../src/partitions/partition.service';
import { createTestApp, type TestApp } from '../support/test-app';
import { meterReading, vehicleReading } from '../support/factories';
import { maintenanceAt, partitionNames } from '../support/partitions';
import { testServer } from '../support/test-database';

const DAY_MS = 86_400_000;
const DAILY = { count: 1, unit: 'day' } as const;
const WORKERS = 8;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** Ids of the readings the service acknowledged, by type, and every answer that was not a 2xx. */
interface Stream {
  acknowledged: { meter: string[]; vehicle: string[] };
  failures: Array<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

/**
 * Readings from WORKERS concurrent clients, singles and small batches by turns, each timestamped at a
 * random moment since `since`: with no partition yet for those days they land in the default partition.
 */
function streamReadings(since: number): Stream {
  const acknowledged = { meter: [] as string[], vehicle: [] as string[] };
  const failures: Stream['failures'] = [];
  let running = true;
  const at = () => new Date(since + Math.random() * (Date.now() - 60_000 - since)).toISOString();
  const worker = async (index: number) => {
    for (let round = 0; running; round += 1) {
      const meters = [meterReading({ timestamp: at() }), meterReading({ timestamp: at() })];
      const vehicle = vehicleReading({ timestamp: at() });
      const single = round % 2 === index % 2;
      const res = single
        ? await request(t.app).post('/v1/ingestion/vehicle').send(vehicle)
        : await request(t.app)
            .post('/v1/ingestion/batch')
            .send([...meters, vehicle]);
      if (res.status !== 201) {
        failures.push({ status: res.status, body: res.body });
        continue;
      }
      acknowledged.vehicle.push(vehicle.vehicleId);
      if (!single) acknowledged.meter.push(...meters.map((reading) => reading.meterId));
    }
  };
  const workers = Array.from({ length: WORKERS }, (_, index) => worker(index));
  return {
    acknowledged,
    failures,
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

/** How many times each id is stored in `type`'s history, for the ids stored at all. */
async function storedCopies(type: 'meter' | 'vehicle', ids: string[]): Promise<number[]> {
  const rows: Array<{ copies: number }> = await t.db.dataSource.query(
    `SELECT count(*)::int AS copies FROM ${type}_history WHERE ${type}_id = ANY($1) GROUP BY ${type}_id`,
    [ids],
  );
  return rows.map((row) => row.copies);
}

/**
 * The deadlocks PostgreSQL detected in the test database. A backend reports its statistics when it
 * exits at the latest, so the app's pool is closed (and reopened for the teardown) before they are read.
 */
async function deadlocksDetected(): Promise<number> {
  await t.db.dataSource.destroy();
  const admin = new Client(clientConfig(withDatabase(testServer().target, 'postgres')));
  await admin.connect();
  try {
    for (;;) {
      const [{ numbackends, deadlocks }] = (
        await admin.query(`SELECT numbackends, deadlocks::int FROM pg_stat_database WHERE datname = $1`, [t.db.name])
      ).rows;
      if (numbackends === 0) return deadlocks;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await admin.end();
    await t.db.dataSource.initialize();
  }
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
};

it('maintenance creating partitions over rows of the default partition, and dropping old ones, while readings stream in: no error, no reading lost or doubled', async () => {
  const now = Date.now();
  const maintenanceNow = new Date(now - 20 * DAY_MS).toISOString();
  // Old daily partitions, 60 to 56 days back: the retention below drops them during the run.
  await maintenanceAt(t.db.dataSource, new Date(now - 60 * DAY_MS).toISOString(), {
    interval: DAILY,
    ahead: 4,
  }).maintain();

  const stream = streamReadings(now - 20 * DAY_MS);
  let reports: MaintenanceReport[];
  try {
    await until(() => stream.acknowledged.vehicle.length >= 100 || stream.failures.length > 0);
    // From 20 days ago up to today, a partition a day, each taking rows out of the default partition.
    reports = await maintenanceAt(t.db.dataSource, maintenanceNow, {
      interval: DAILY,
      ahead: 20,
      retention: { count: 30, unit: 'day' },
    }).maintain();
    const after = stream.acknowledged.vehicle.length;
    await until(() => stream.acknowledged.vehicle.length >= after + 50 || stream.failures.length > 0);
  } finally {
    await stream.stop();
  }

  expect(stream.failures).toEqual([]);
  // A lost deadlock would have been written again unnoticed; the point is that none happens.
  expect(await deadlocksDetected()).toBe(0);
  for (const report of reports) {
    expect(report).toMatchObject({ skipped: false, created: expect.any(Array), dropped: expect.any(Array) });
    if (report.skipped) continue;
    expect(report.created).toHaveLength(21);
    expect(report.dropped).toHaveLength(5);
  }
  expect(reports.reduce((moved, report) => moved + (report.skipped ? 0 : report.movedFromDefault), 0)).toBeGreaterThan(
    0,
  );

  for (const type of ['meter', 'vehicle'] as const) {
    const ids = stream.acknowledged[type];
    const copies = await storedCopies(type, ids);
    expect(copies).toHaveLength(ids.length);
    expect(copies.every((count) => count === 1)).toBe(true);
    // Every reading now sits in its day's partition; the default partition is empty again.
    const [{ waiting }] = await t.db.dataSource.query(`SELECT count(*)::int AS waiting FROM ${type}_history_default`);
    expect(waiting).toBe(0);
    expect(await partitionNames(t.db.dataSource, `${type}_history`)).toHaveLength(22);
  }
}, 180_000);
