-- DELIVERY_STATEMENTS.candidates in src/webhooks/webhook-delivery.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT first.id FROM webhook_endpoint e
CROSS JOIN LATERAL (
  SELECT d.id, d.next_attempt_at FROM webhook_delivery d
  WHERE d.endpoint_id = e.id
    AND d.state = 'pending' AND d.next_attempt_at <= now()
    AND (d.leased_until IS NULL OR d.leased_until <= now())
  ORDER BY d.next_attempt_at, d.id
  LIMIT 1
) first
WHERE e.enabled AND NOT EXISTS (
  SELECT FROM webhook_delivery busy
  WHERE busy.endpoint_id = e.id AND busy.state = 'pending' AND busy.leased_until > now()
)
ORDER BY e.failing_since IS NOT NULL, first.next_attempt_at
LIMIT $1
FOR NO KEY UPDATE OF e SKIP LOCKED
