import { exitOf } from '../support/spawn-ts';
import { startService, type ServiceProcess } from '../support/service-process';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/test-database';
import { enqueueIn, FAST } from './harness';
import { Receiver, until, verify } from './receiver';

/*
 * The service as operators run it, `src/server.ts` in processes of their own on one database: every
 * replica delivers, each delivery once, and a replica killed mid-attempt leaves its delivery to the next.
 */

jest.setTimeout(180_000);

let receiver: Receiver;
const running: ServiceProcess[] = [];
const service = async (db: IsolatedDatabase, env: Record<string, string> = {}) => {
  const started = await startService(db, { ...FAST, ...env });
  running.push(started);
  return started;
};
beforeAll(async () => {
  receiver = await Receiver.start();
});
afterAll(async () => {
  for (const each of running) each.kill();
  await receiver.stop();
});

/** An endpoint added through a service's API, with its secret. */
async function addEndpoint(via: ServiceProcess, url = receiver.url): Promise<{ id: string; secret: string }> {
  const res = await fetch(`${via.url}/v1/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; secret: string };
}

/** Delivered attempts this process made, from its /metrics. */
async function deliveredBy(via: ServiceProcess): Promise<number> {
  const text = await (await fetch(`${via.url}/metrics`)).text();
  return Number(/^fleet_webhook_attempts_total\{outcome="delivered"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

const states = (db: IsolatedDatabase) =>
  db.dataSource.query<Array<{ message_id: string; state: string; attempts: number }>>(
    `SELECT message_id, state, attempts FROM webhook_delivery`,
  );

it('two service processes on one database deliver each of many events to each endpoint exactly once between them', async () => {
  const db = await createIsolatedDatabase();
  try {
    const [first, second] = await Promise.all([service(db), service(db)]);
    // More endpoints than one process attempts at once, each with one delivery in flight at a time,
    // and answers slow enough that one process cannot take them all: both must claim.
    const paths = ['/hooks/a', '/hooks/b', '/hooks/c', '/hooks/d', '/hooks/e', '/hooks/f'];
    const origin = new URL(receiver.url).origin;
    const endpoints = [];
    for (const path of paths) endpoints.push({ path, ...(await addEndpoint(first, `${origin}${path}`)) });
    receiver.usualReply = { status: 200, delayMs: 50 };
    const messages = await enqueueIn(db.dataSource, 8);
    await until('every delivery is delivered', async () =>
      (await states(db)).every((row) => row.state === 'delivered'),
    );

    for (const { messageId, body } of messages) {
      for (const { path, secret } of endpoints) {
        const sent = receiver.withId(messageId).filter((request) => request.path === path);
        expect({ messageId, path, times: sent.length }).toEqual({ messageId, path, times: 1 });
        expect(verify(sent[0], secret)).toEqual(JSON.parse(body));
      }
    }
    const rows = await states(db);
    expect(rows).toHaveLength(messages.length * endpoints.length);
    expect(rows.every((row) => row.attempts === 1)).toBe(true);
    const [byFirst, bySecond] = await Promise.all([deliveredBy(first), deliveredBy(second)]);
    expect(byFirst + bySecond).toBe(rows.length);
    expect(Math.min(byFirst, bySecond)).toBeGreaterThan(0);
  } finally {
    receiver.usualReply = { status: 200 };
    for (const each of running.splice(0)) each.kill();
    await db.drop();
  }
});

it('a service killed with SIGKILL mid-delivery leaves it to the restarted one, which sends it with the same webhook-id', async () => {
  const db = await createIsolatedDatabase();
  try {
    const env = { WEBHOOK_TIMEOUT_MS: '500' };
    const doomed = await service(db, env);
    const endpoint = await addEndpoint(doomed);
    receiver.answer('hold');
    const [{ messageId, body }] = await enqueueIn(db.dataSource, 1);
    await until('the receiver holds the first attempt', () => receiver.withId(messageId).length === 1);
    doomed.child.kill('SIGKILL');
    await exitOf(doomed.child);

    const [leased] = await db.dataSource.query(
      `SELECT state, attempts, leased_until > now() AS leased FROM webhook_delivery WHERE message_id = $1`,
      [messageId],
    );
    expect(leased).toEqual({ state: 'pending', attempts: 1, leased: true });

    await service(db, env);
    await until('it is delivered after the restart', async () =>
      (await states(db)).some((row) => row.message_id === messageId && row.state === 'delivered'),
    );
    const [before, after] = receiver.withId(messageId);
    expect(receiver.withId(messageId)).toHaveLength(2);
    expect(after.headers['webhook-id']).toBe(before.headers['webhook-id']);
    expect(verify(after, endpoint.secret)).toEqual(JSON.parse(body));
    // The killed attempt was never recorded: the second is the one the delivery's history shows.
    const attempts = await db.dataSource.query(
      `SELECT a.attempt, a.status FROM webhook_attempt a JOIN webhook_delivery d ON d.id = a.delivery_id
       WHERE d.message_id = $1`,
      [messageId],
    );
    expect(attempts).toEqual([{ attempt: 2, status: 200 }]);
  } finally {
    for (const each of running.splice(0)) each.kill();
    await db.drop();
  }
});

it('a service stopped with SIGTERM mid-delivery exits cleanly, its attempt recorded as interrupted and due again at once', async () => {
  const db = await createIsolatedDatabase();
  try {
    // An attempt allowed a minute would outlast the shutdown's 10 s, were it waited for.
    const stopping = await service(db, { WEBHOOK_TIMEOUT_MS: '60000' });
    await addEndpoint(stopping);
    receiver.answer('hold');
    const [{ messageId }] = await enqueueIn(db.dataSource, 1);
    await until('the receiver holds the attempt', () => receiver.withId(messageId).length === 1);
    stopping.child.kill('SIGTERM');
    expect(await exitOf(stopping.child)).toBe(0);

    const [delivery] = await db.dataSource.query(
      `SELECT d.state, d.attempts, d.leased_until, d.next_attempt_at <= now() AS due, a.error
       FROM webhook_delivery d JOIN webhook_attempt a ON a.delivery_id = d.id WHERE d.message_id = $1`,
      [messageId],
    );
    expect(delivery).toEqual({
      state: 'pending',
      attempts: 1,
      leased_until: null,
      due: true,
      error: 'Interrupted: the service stopped during the attempt.',
    });
  } finally {
    for (const each of running.splice(0)) each.kill();
    await db.drop();
  }
});
