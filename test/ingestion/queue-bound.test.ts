import type { Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client } from 'pg';
import request from 'supertest';
import { clientConfig, withDatabase } from '../../src/db/data-source';
import { createTestApp, type TestApp } from '../support/test-app';
import { testServer } from '../support/test-database';
import { vehicleReading } from '../support/factories';

const QUEUE_MAX = 20;
const GROUP_MAX = 5;
// DB_POOL_MAX 4: two groups are written at once.
const CONCURRENT_GROUPS = 2;
/** The most single readings the service holds at once: the groups being written and the waiting line. */
const CAPACITY = CONCURRENT_GROUPS * GROUP_MAX + QUEUE_MAX;

/** The heap in use after a full collection, so that garbage not yet collected is not counted. */
function liveHeap(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

let t: TestApp;
let server: Server;
beforeAll(async () => {
  t = await createTestApp({
    INGEST_QUEUE_MAX: String(QUEUE_MAX),
    INGEST_GROUP_COMMIT_MAX: String(GROUP_MAX),
    DB_POOL_MAX: '4',
    // The stall below must not end in statement timeouts.
    DB_STATEMENT_TIMEOUT_MS: '120000',
  });
  server = t.app.listen(0);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

/** Another session holding vehicle_history exclusively, as a long migration or a stuck DDL would. */
async function stallVehicleHistory(): Promise<{ release(): Promise<void> }> {
  const client = new Client(clientConfig(withDatabase(testServer().target, t.db.name)));
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE vehicle_history IN ACCESS EXCLUSIVE MODE');
  return {
    async release() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

/** Only what the test reads of a response, so that the test itself keeps little on the heap. */
interface Answer {
  status: number;
  retryAfter?: string;
  type?: string;
}

interface Sent {
  id: string;
  answer?: Answer;
  done: Promise<void>;
}

function send(count: number): Sent[] {
  return Array.from({ length: count }, () => {
    const reading = vehicleReading();
    const sent: Sent = { id: reading.vehicleId, done: Promise.resolve() };
    sent.done = request(server)
      .post('/v1/ingestion/vehicle')
      .send(reading)
      .then((res) => {
        sent.answer = { status: res.status, retryAfter: res.headers['retry-after'], type: res.body.type };
      });
    return sent;
  });
}

const answered = (sent: Sent[]) => sent.filter((one) => one.answer);
const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
};

it('while the database is stalled, readings past the queue bound are refused at once with 503; the ones taken are all stored afterwards', async () => {
  const stall = await stallVehicleHistory();
  let first: Sent[];
  let second: Sent[];
  let heapGrowthMb: number;
  try {
    first = send(300);
    // Every reading but those the service can hold gets its answer while the stall lasts.
    await until(() => answered(first).length >= first.length - CAPACITY);
    const heapAfterFirst = liveHeap();

    second = send(1_000);
    await until(() => answered(second).length === second.length);
    heapGrowthMb = (liveHeap() - heapAfterFirst) / 2 ** 20;

    const refused = [...answered(first), ...answered(second)];
    for (const { answer } of refused) {
      expect(answer).toEqual({ status: 503, retryAfter: '1', type: '/problems/service-unavailable' });
    }
    // The service holds no more readings than its bound, however many arrive.
    expect(first.length - answered(first).length).toBeLessThanOrEqual(CAPACITY);
    expect(second.every((one) => one.answer?.status === 503)).toBe(true);
  } finally {
    await stall.release();
  }
  // A thousand more refused requests leave next to nothing behind on the heap (a rough bound).
  expect(heapGrowthMb).toBeLessThan(16);

  await Promise.all(first.map((one) => one.done));
  const acknowledged = first.filter((one) => one.answer!.status === 201).map((one) => one.id);
  const refusedCount = first.length + second.length - acknowledged.length;
  expect(acknowledged.length).toBeGreaterThan(0);
  expect(first.every((one) => [201, 503].includes(one.answer!.status))).toBe(true);

  const stored: Array<{ id: string }> = await t.db.dataSource.query(
    `SELECT vehicle_id AS id FROM vehicle_history WHERE vehicle_id = ANY($1)`,
    [first.map((one) => one.id)],
  );
  expect(stored.map((row) => row.id).sort()).toEqual([...acknowledged].sort());

  const metrics = await request(server).get('/metrics').expect(200);
  expect(metrics.text).toContain(`fleet_ingest_queue_refused_total ${refusedCount}`);
}, 180_000);
