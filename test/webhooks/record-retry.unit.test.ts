import pino from 'pino';
import { createMetrics } from '../../src/observability/metrics';
import type {
  AttemptRecord,
  ClaimedDelivery,
  WebhookDeliveryRepository,
} from '../../src/webhooks/webhook-delivery.repository';
import { WebhookDeliverer } from '../../src/webhooks/webhook-delivery.service';
import { newWebhookSecret } from '../../src/webhooks/webhook-secrets';
import { Receiver, until } from './receiver';

/*
 * An attempt whose outcome cannot be recorded at once (the pool busy, a lock not granted) is recorded
 * a little later, rather than left to its lease running out and a second send of what was delivered.
 */

let receiver: Receiver;
beforeAll(async () => {
  receiver = await Receiver.start();
});
afterAll(() => receiver.stop());

/** A deliverer over a repository that hands out one delivery and records as `record` says. */
function deliverer(record: (delivery: ClaimedDelivery, attempt: AttemptRecord) => Promise<boolean>) {
  const delivery: ClaimedDelivery = {
    id: 'd-1',
    endpointId: 'e-1',
    messageId: `msg_${Math.random()}`,
    payload: '{}',
    attempt: 1,
    attemptSinceResend: 1,
    retryUntil: new Date(Date.now() + 3_600_000),
    url: receiver.url,
    secrets: [newWebhookSecret()],
  };
  let claimed = false;
  const repository = {
    claim: () => Promise.resolve(claimed ? [] : ((claimed = true), [delivery])),
    record: jest.fn(record),
    failDisabled: () => Promise.resolve(),
    oldestPendingSeconds: () => Promise.resolve(0),
  };
  const options = { timeoutMs: 2_000, retryBaseMs: 20, pollMs: 10_000, allowPrivate: true };
  const silent = pino({ level: 'silent' });
  const running = new WebhookDeliverer(
    repository as unknown as WebhookDeliveryRepository,
    options,
    createMetrics(),
    silent,
  );
  return { running, record: repository.record, delivery };
}

it('is recorded once the database takes it, the receiver having been sent it once', async () => {
  let failures = 2;
  const { running, record, delivery } = deliverer(() =>
    failures-- > 0 ? Promise.reject(new Error('timeout exceeded when trying to connect')) : Promise.resolve(true),
  );
  running.start();
  await until('the outcome was tried a third time', () => record.mock.calls.length === 3);
  // stop() waits for the attempt, and with it for its outcome to be recorded.
  await running.stop();
  expect(record).toHaveBeenCalledTimes(3);
  await expect(record.mock.results[2].value).resolves.toBe(true);
  expect(record.mock.calls.map(([, attempt]) => attempt)).toEqual(
    Array(3).fill(expect.objectContaining({ status: 200, next: 'delivered' })),
  );
  expect(receiver.withId(delivery.messageId)).toHaveLength(1);
});

it('is given up after a few tries, within the lease margin, when the database never takes it', async () => {
  const { running, record } = deliverer(() => Promise.reject(new Error('canceling statement due to lock timeout')));
  running.start();
  await until('it was tried more than once', () => record.mock.calls.length > 1);
  // stop() waits for the attempt, and with it for the tries to end.
  await running.stop();
  const tries = record.mock.calls.length;
  expect(tries).toBeGreaterThan(2);
  expect(tries).toBeLessThanOrEqual(6);
});
