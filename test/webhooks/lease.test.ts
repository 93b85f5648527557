import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import {
  WebhookDeliveryRepository,
  type AttemptRecord,
  type ClaimedDelivery,
} from '../../src/webhooks/webhook-delivery.repository';
import { createTestApp, type TestApp } from '../support/test-app';
import { enqueueIn } from './harness';

/*
 * The claim and the record as replicas use them, on the real database with no deliverer running: a
 * lease keeps a delivery to one worker, and only the worker holding the latest attempt decides its fate.
 */

let t: TestApp;
let deliveries: WebhookDeliveryRepository;
beforeAll(async () => {
  t = await createTestApp();
  deliveries = new WebhookDeliveryRepository(t.services.pools.maintenance, t.config.db.lockTimeoutMs, 72);
  await request(t.app).post('/v1/webhooks').send({ url: 'https://hooks.example.com/lease' }).expect(201);
});
afterAll(() => t.close());

const outcome = (next: AttemptRecord['next'], status: number | null): AttemptRecord => ({
  at: new Date(),
  durationMs: 5,
  status,
  error: next === 'delivered' ? null : 'failed',
  next,
  delayMs: 0,
});
const row = async (messageId: string) =>
  (
    await t.db.dataSource.query(
      `SELECT state, attempts, leased_until IS NOT NULL AS leased FROM webhook_delivery WHERE message_id = $1`,
      [messageId],
    )
  )[0];
const claimOf = async (messageId: string, leaseMs: number): Promise<ClaimedDelivery | undefined> =>
  (await deliveries.claim(10, leaseMs)).find((claimed) => claimed.messageId === messageId);

it('a leased delivery is claimed by nobody else until its lease runs out, then with its next attempt number', async () => {
  const [{ messageId }] = await enqueueIn(t.db.dataSource, 1);
  const [first, rival] = await Promise.all([deliveries.claim(10, 300), deliveries.claim(10, 300)]);
  const claims = [...first, ...rival].filter((claimed) => claimed.messageId === messageId);
  expect(claims.map((claimed) => claimed.attempt)).toEqual([1]);
  expect(await claimOf(messageId, 300)).toBeUndefined();

  await sleep(400);
  const retaken = await claimOf(messageId, 60_000);
  expect(retaken).toMatchObject({ messageId, attempt: 2, secrets: [expect.stringMatching(/^whsec_/)] });
});

it('a worker whose lease was taken over records its attempt as history but changes nothing else', async () => {
  const [{ messageId }] = await enqueueIn(t.db.dataSource, 1);
  const stale = await claimOf(messageId, 1);
  await sleep(20);
  const current = await claimOf(messageId, 60_000);
  if (!stale || !current) throw new Error('both claims should have found the delivery');

  expect(await deliveries.record(stale, outcome('delivered', 200))).toBe(false);
  expect(await row(messageId)).toEqual({ state: 'pending', attempts: 2, leased: true });
  expect(await deliveries.record(current, outcome('retry', 500))).toBe(true);
  expect(await row(messageId)).toEqual({ state: 'pending', attempts: 2, leased: false });
  const attempts = await t.db.dataSource.query(
    `SELECT attempt, status FROM webhook_attempt a JOIN webhook_delivery d ON d.id = a.delivery_id
     WHERE d.message_id = $1 ORDER BY attempt`,
    [messageId],
  );
  expect(attempts).toEqual([
    { attempt: 1, status: 200 },
    { attempt: 2, status: 500 },
  ]);
});

it('an interrupted attempt is due again at once and leaves the endpoint unmarked', async () => {
  await t.db.dataSource.query(`UPDATE webhook_endpoint SET failing_since = NULL`);
  const [{ messageId }] = await enqueueIn(t.db.dataSource, 1);
  const claimed = await claimOf(messageId, 60_000);
  if (!claimed) throw new Error('the delivery should have been claimed');
  expect(await deliveries.record(claimed, outcome('interrupted', null))).toBe(true);
  expect(await row(messageId)).toEqual({ state: 'pending', attempts: 1, leased: false });
  expect(await claimOf(messageId, 60_000)).toMatchObject({ attempt: 2 });
  const [{ failing_since }] = await t.db.dataSource.query(`SELECT failing_since FROM webhook_endpoint`);
  expect(failing_since).toBeNull();
});
