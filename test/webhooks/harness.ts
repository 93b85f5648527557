import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { ENQUEUE_DELIVERIES, webhookBody, type WebhookEventType } from '../../src/webhooks/webhooks.public';
import { createTestApp, type TestApp } from '../support/test-app';

/** Fast retries and polls, loopback receivers allowed: the settings of most webhook tests. */
export const FAST = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_POLL_MS: '25',
  WEBHOOK_RETRY_BASE_MS: '20',
  WEBHOOK_TIMEOUT_MS: '2000',
};

/**
 * For a test file: apps over databases of their own whose deliverer runs, as src/server.ts starts it,
 * and stops before the app closes.
 */
export function deliveringApps(): (overrides?: Record<string, string>) => Promise<TestApp> {
  const started: TestApp[] = [];
  afterAll(() =>
    Promise.all(
      started.map(async (t) => {
        await t.services.webhookDelivery.stop();
        await t.close();
      }),
    ),
  );
  return async (overrides = {}) => {
    const t = await createTestApp({ ...FAST, ...overrides });
    started.push(t);
    t.services.webhookDelivery.start();
    return t;
  };
}

/** An endpoint added through the API, with the secret it answered. */
export async function addEndpoint(
  t: TestApp,
  url: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; secret: string }> {
  const res = await request(t.app)
    .post('/v1/webhooks')
    .send({ url, ...extra })
    .expect(201);
  return { id: res.body.id, secret: res.body.secret };
}

/**
 * An event written to the outbox as a change of state writes it: ENQUEUE_DELIVERIES in a transaction
 * of its own; then the deliverer is told, as the writer tells it after COMMIT.
 */
export async function enqueue(
  t: TestApp,
  type: WebhookEventType = 'alarm.raised',
  data: unknown = { id: randomUUID(), summary: 'Van 7 charged at 0.78 twice in a row' },
): Promise<{ messageId: string; body: string }> {
  const [message] = await enqueueIn(t.db.dataSource, 1, type, data);
  t.services.webhookDelivery.deliverSoon();
  return message;
}

/** `count` events written to the outbox in one transaction, as a service in another process would. */
export function enqueueIn(
  dataSource: DataSource,
  count: number,
  type: WebhookEventType = 'alarm.raised',
  data: unknown = { summary: 'Meter 12 silent for 15 minutes' },
): Promise<Array<{ messageId: string; body: string }>> {
  return dataSource.transaction(async (manager) => {
    const messages = [];
    for (let i = 0; i < count; i++) {
      const message = { messageId: `msg_${randomUUID()}`, body: webhookBody(type, new Date(), data) };
      await manager.query(ENQUEUE_DELIVERIES, [message.messageId, type, message.body]);
      messages.push(message);
    }
    return messages;
  });
}

export interface DeliveryRecord {
  id: string;
  endpoint_id: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: Date;
  leased_until: Date | null;
  last_status: number | null;
  last_error: string | null;
}

/** The delivery of a message to an endpoint, straight from the table. */
export async function deliveryOf(t: TestApp, messageId: string, endpointId: string): Promise<DeliveryRecord> {
  const [row] = await t.db.dataSource.query(
    `SELECT * FROM webhook_delivery WHERE message_id = $1 AND endpoint_id = $2`,
    [messageId, endpointId],
  );
  return row;
}
