import { sql } from '../db/sql';

/** The events an endpoint may ask for: the changes of an alarm's life. */
export const WEBHOOK_EVENT_TYPES = ['alarm.raised', 'alarm.acknowledged', 'alarm.cleared'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * One delivery per enabled endpoint that wants `$2`, written in the transaction of the change it
 * announces: $1 the message id (`webhook-id`, the same on every retry), $2 the event type, $3 the body
 * exactly as it will be sent and signed. A message written twice (a retried transaction) is one delivery.
 */
export const ENQUEUE_DELIVERIES = sql`
  INSERT INTO webhook_delivery (endpoint_id, message_id, event_type, payload)
  SELECT id, $1, $2, $3 FROM webhook_endpoint WHERE enabled AND $2 = ANY (event_types)
  ON CONFLICT (endpoint_id, message_id) DO NOTHING`;

/** The body of every event, as the Standard Webhooks spec lays it out: type, timestamp, data. */
export const webhookBody = (type: WebhookEventType, timestamp: Date, data: unknown): string =>
  JSON.stringify({ type, timestamp: timestamp.toISOString(), data });
