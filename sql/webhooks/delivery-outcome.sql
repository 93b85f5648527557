-- DELIVERY_STATEMENTS.outcome in src/webhooks/webhook-delivery.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE webhook_delivery SET
  state = CASE
    WHEN $3::text = 'pending' AND now() >= pending_since + $5 * interval '1 hour' THEN 'failed'
    ELSE $3 END,
  next_attempt_at = least(now() + $4 * interval '1 millisecond', pending_since + $5 * interval '1 hour'),
  delivered_at = CASE WHEN $3 = 'delivered' THEN now() END,
  leased_until = NULL, last_status = $6, last_error = $7
WHERE id = $1 AND attempts = $2 AND state = 'pending'
RETURNING state
