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
let endpointId: string;
beforeAll(async () => {
  t = await createTestApp();
  deliveries = new WebhookDeliveryRepository(t.services.pools.maintenance, t.config.db.lockTimeoutMs, 72);
  const res = await request(t.app).post('/v1/webhooks').send({ url: 'https://hooks.example.com/lease' }).expect(201);
  endpointId = res.body.id;
});
afterAll(() => t.close());
// Each test starts with an idle endpoint: one with a delivery in flight is claimed nothing more.
beforeEach(() => t.db.dataSource.query(`DELETE FROM webhook_delivery`));

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

it('a claim takes one delivery per endpoint, the longest due, and none of an endpoint with one in flight, however many replicas claim', async () => {
  const other = await request(t.app)
    .post('/v1/webhooks')
    .send({ url: 'https://hooks.example.com/other', eventTypes: ['alarm.cleared'] })
    .expect(201);
  const messages = await enqueueIn(t.db.dataSource, 3);
  const [cleared] = await enqueueIn(t.db.dataSource, 1, 'alarm.cleared');
  for (const [index, { messageId }] of messages.entries()) {
    await t.db.dataSource.query(
      `UPDATE webhook_delivery SET next_attempt_at = now() - $2 * interval '1 minute' WHERE message_id = $1`,
      [messageId, 10 - index],
    );
  }
  const claims = (await Promise.all([1, 2, 3].map(() => deliveries.claim(10, 60_000)))).flat();
  expect(claims.map((claimed) => claimed.messageId).sort()).toEqual([messages[0].messageId, cleared.messageId].sort());
  expect(await deliveries.claim(10, 60_000)).toEqual([]);

  const first = claims.find((claimed) => claimed.endpointId === endpointId);
  if (!first) throw new Error('the first endpoint should have had its longest due delivery claimed');
  expect(await deliveries.record(first, outcome('delivered', 200))).toBe(true);
  expect((await deliveries.claim(10, 60_000)).map((claimed) => claimed.messageId)).toEqual([messages[1].messageId]);
  await request(t.app).delete(`/v1/webhooks/${other.body.id}`).expect(204);
});

it('a resent delivery backs off from the first step again, its attempts numbered on', async () => {
  const [{ messageId }] = await enqueueIn(t.db.dataSource, 1);
  for (const attempt of [1, 2, 3]) {
    const claimed = await claimOf(messageId, 60_000);
    expect(claimed).toMatchObject({ attempt, attemptSinceResend: attempt });
    if (claimed) await deliveries.record(claimed, outcome('retry', 500));
  }
  const [{ id }] = await t.db.dataSource.query(`SELECT id FROM webhook_delivery WHERE message_id = $1`, [messageId]);
  await request(t.app).post(`/v1/webhooks/${endpointId}/deliveries/${id}/resend`).expect(202);
  expect(await claimOf(messageId, 60_000)).toMatchObject({ attempt: 4, attemptSinceResend: 1 });
});

it('a retry waits no later than the end of its window, and one recorded after that end fails the delivery', async () => {
  const [{ messageId }] = await enqueueIn(t.db.dataSource, 1);
  const claimed = await claimOf(messageId, 60_000);
  if (!claimed) throw new Error('the delivery should have been claimed');
  expect(claimed.retryUntil.getTime() - Date.now()).toBeGreaterThan(71.9 * 3_600_000);
  await deliveries.record(claimed, { ...outcome('retry', 503), delayMs: 10 * 365 * 86_400_000 });
  const [pending] = await t.db.dataSource.query(
    `SELECT state, next_attempt_at = pending_since + interval '72 hours' AS "atWindowEnd" FROM webhook_delivery
     WHERE message_id = $1`,
    [messageId],
  );
  expect(pending).toEqual({ state: 'pending', atWindowEnd: true });

  await t.db.dataSource.query(
    `UPDATE webhook_delivery SET pending_since = now() - interval '72 hours', next_attempt_at = now()
     WHERE message_id = $1`,
    [messageId],
  );
  const last = await claimOf(messageId, 60_000);
  if (!last) throw new Error('the last attempt should have been claimed');
  expect(last.retryUntil.getTime()).toBeLessThanOrEqual(Date.now());
  await deliveries.record(last, outcome('retry', 503));
  expect(await row(messageId)).toEqual({ state: 'failed', attempts: 2, leased: false });
});

it("writes the endpoint's failing mark only when it changes", async () => {
  await t.db.dataSource.query(`UPDATE webhook_endpoint SET failing_since = NULL`);
  const endpoint = async () =>
    (await t.db.dataSource.query(`SELECT xmin::text AS version, failing_since FROM webhook_endpoint`))[0];
  await enqueueIn(t.db.dataSource, 1);
  const attempt = async (next: AttemptRecord['next'], status: number) => {
    const [claimed] = await deliveries.claim(10, 60_000);
    expect(await deliveries.record(claimed, outcome(next, status))).toBe(true);
  };
  await attempt('retry', 500);
  const failing = await endpoint();
  expect(failing.failing_since).toBeInstanceOf(Date);
  await attempt('retry', 502);
  expect(await endpoint()).toEqual(failing);
  await attempt('delivered', 200);
  expect((await endpoint()).failing_since).toBeNull();
});
