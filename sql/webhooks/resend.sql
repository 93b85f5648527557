-- WEBHOOK_STATEMENTS.resend in src/webhooks/webhooks.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE webhook_delivery d
SET state = 'pending', next_attempt_at = now(), pending_since = now(), attempts_at_resend = d.attempts,
  delivered_at = NULL
FROM (SELECT id AS endpoint_id FROM webhook_endpoint WHERE id = $1 AND enabled FOR SHARE) e
WHERE d.id = $2 AND d.endpoint_id = e.endpoint_id
  AND (d.state <> 'pending' OR d.leased_until IS NULL OR d.leased_until <= now())
RETURNING id, message_id AS "messageId", event_type AS "eventType", state, payload, created_at AS "createdAt",
CASE WHEN state = 'pending' THEN next_attempt_at END AS "nextAttemptAt", delivered_at AS "deliveredAt",
last_status AS "lastStatus", last_error AS "lastError"
