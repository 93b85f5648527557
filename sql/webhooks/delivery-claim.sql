-- DELIVERY_STATEMENTS.claim in src/webhooks/webhook-delivery.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE webhook_delivery d SET attempts = d.attempts + 1, leased_until = now() + $2 * interval '1 millisecond'
FROM webhook_endpoint e
WHERE d.id = ANY ($1::uuid[]) AND e.id = d.endpoint_id
  AND d.state = 'pending' AND d.next_attempt_at <= now()
  AND (d.leased_until IS NULL OR d.leased_until <= now())
  AND NOT EXISTS (
    SELECT FROM webhook_delivery busy
    WHERE busy.endpoint_id = e.id AND busy.state = 'pending' AND busy.leased_until > now()
  )
RETURNING d.id, d.endpoint_id AS "endpointId", d.message_id AS "messageId", d.payload, d.attempts AS attempt,
  d.attempts - d.attempts_at_resend AS "attemptSinceResend",
  extract(epoch FROM d.pending_since + $3 * interval '1 hour' - now())::float8 * 1000 AS "retryLeftMs",
  e.url,
  array_remove(ARRAY[e.secret, CASE WHEN e.previous_secret_until > now() THEN e.previous_secret END], NULL) AS secrets
