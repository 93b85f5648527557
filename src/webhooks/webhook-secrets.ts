import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** The Standard Webhooks form: `whsec_` and the base64 of the key, 32 random bytes (256 bits) here. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * `webhook-signature`: `v1,<signature>` per secret, space-separated, as the spec allows while a secret
 * is rotated; a receiver that knows either secret finds its own. Signed by the reference package, so
 * the bytes signed (`id.timestamp.body`) are exactly those its verify() recomputes.
 */
export function signatures(secrets: string[], messageId: string, at: Date, body: string): string {
  return secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(' ');
}
