import type { TestApp } from '../support/test-app';
import { addEndpoint, deliveringApps, enqueue } from './harness';
import { Receiver, until } from './receiver';

// The outbox keeps settled deliveries a month, for the deliveries list, and not for ever.

const openApp = deliveringApps();
let t: TestApp;
let receiver: Receiver;

beforeAll(async () => {
  t = await openApp();
  receiver = await Receiver.start();
});
afterAll(() => receiver.stop());

const stateOf = async (messageId: string) =>
  (await t.db.dataSource.query(`SELECT state FROM webhook_delivery WHERE message_id = $1`, [messageId]))[0]?.state as
    string | undefined;

describe('webhook delivery history', () => {
  it('forgets settled deliveries older than a month, with their attempts, and keeps pending and recent ones', async () => {
    await addEndpoint(t, receiver.url);
    const delivered = await enqueue(t);
    const recent = await enqueue(t);
    await until('both are delivered', async () => (await stateOf(recent.messageId)) === 'delivered');
    await until('both are delivered', async () => (await stateOf(delivered.messageId)) === 'delivered');
    const failed = await enqueue(t);
    const pending = await enqueue(t);
    await t.services.webhookDelivery.stop();
    await t.db.dataSource.query(`UPDATE webhook_delivery SET state = 'failed' WHERE message_id = $1`, [
      failed.messageId,
    ]);
    await t.db.dataSource.query(`UPDATE webhook_delivery SET state = 'pending' WHERE message_id = $1`, [
      pending.messageId,
    ]);
    await t.db.dataSource.query(
      `UPDATE webhook_delivery SET created_at = now() - interval '31 days' WHERE message_id = ANY ($1)`,
      [[delivered.messageId, failed.messageId, pending.messageId]],
    );

    expect(await t.services.webhookDelivery.prune()).toBe(2);

    expect(await stateOf(delivered.messageId)).toBeUndefined();
    expect(await stateOf(failed.messageId)).toBeUndefined();
    expect(await stateOf(pending.messageId)).toBe('pending');
    expect(await stateOf(recent.messageId)).toBe('delivered');
    const [{ orphans }] = await t.db.dataSource.query(
      `SELECT count(*)::int AS orphans FROM webhook_attempt a
       WHERE NOT EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.id = a.delivery_id)`,
    );
    expect(orphans).toBe(0);
  });
});
