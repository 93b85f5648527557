-- DELIVERY_STATEMENTS.claim in src/webhooks/webhook-delivery.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH due AS (
  SELECT d.id FROM webhook_delivery d
  JOIN webhook_endpoint e ON e.id = d.endpoint_id
  WHERE d.state = 'pending' AND d.next_attempt_at <= now() AND e.enabled
    AND (d.leased_until IS NULL OR d.leased_until <= now())
  ORDER BY d.next_attempt_at
  LIMIT $1
  FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_delivery d SET attempts = d.attempts + 1, leased_until = now() + $2 * interval '1 millisecond'
FROM due, webhook_endpoint e
WHERE d.id = due.id AND e.id = d.endpoint_id
RETURNING d.id, d.endpoint_id AS "endpointId", d.message_id AS "messageId", d.payload, d.attempts AS attempt, e.url,
  array_remove(ARRAY[e.secret, CASE WHEN e.previous_secret_until > now() THEN e.previous_secret END], NULL) AS secrets
