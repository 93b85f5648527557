/**
 * What other features may use of webhooks: the outbox statement a change of state runs in its own
 * transaction, the body it sends, and the deliverer to nudge once that transaction has committed.
 */
export { ENQUEUE_DELIVERIES, WEBHOOK_EVENT_TYPES, webhookBody, type WebhookEventType } from './webhook-outbox';
export type { WebhookDeliverer } from './webhook-delivery.service';
