import type { TestApp } from '../support/test-app';
import { addEndpoint, deliveringApps, enqueueIn } from './harness';
import { Receiver, until } from './receiver';

/*
 * Each endpoint has one delivery in flight at a time: a receiver that never answers holds one attempt
 * of its own, and the others' deliveries go on meanwhile.
 */

const app = deliveringApps();
const receivers: Receiver[] = [];
afterAll(() => Promise.all(receivers.map((r) => r.stop())));
const receiver = async () => {
  const started = await Receiver.start();
  receivers.push(started);
  return started;
};

const attemptsTo = async (t: TestApp, endpointId: string) =>
  (
    await t.db.dataSource.query(
      `SELECT count(*)::int AS n FROM webhook_attempt a JOIN webhook_delivery d ON d.id = a.delivery_id
       WHERE d.endpoint_id = $1`,
      [endpointId],
    )
  )[0].n;

it('one that never answers holds one attempt, while a healthy one gets every event', async () => {
  // Far longer than the test: the slow attempt is still held when the assertions are made.
  const t = await app({ WEBHOOK_TIMEOUT_MS: '60000' });
  const slow = await receiver();
  slow.usualReply = 'hold';
  const healthy = await receiver();
  const slowEndpoint = await addEndpoint(t, slow.url);
  const healthyEndpoint = await addEndpoint(t, healthy.url);

  // More events than one process makes attempts at once, each to both endpoints.
  const messages = await enqueueIn(t.db.dataSource, 6);
  t.services.webhookDelivery.deliverSoon();
  const delivered = async () =>
    (
      await t.db.dataSource.query(
        `SELECT count(*)::int AS n FROM webhook_delivery WHERE endpoint_id = $1 AND state = 'delivered'`,
        [healthyEndpoint.id],
      )
    )[0].n;
  await until('the healthy endpoint has every event delivered', async () => (await delivered()) === messages.length);

  for (const { messageId } of messages) expect(healthy.withId(messageId)).toHaveLength(1);
  expect(slow.received).toHaveLength(1);
  // Its attempt is still in flight: nothing of it has been recorded.
  expect(await attemptsTo(t, slowEndpoint.id)).toBe(0);
});
