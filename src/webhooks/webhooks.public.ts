/** What other features may use of webhooks: writing deliveries into the outbox, in their own transaction. */
export { ENQUEUE_DELIVERIES, WEBHOOK_EVENT_TYPES, webhookBody, type WebhookEventType } from './webhook-outbox';
