-- WEBHOOK_STATEMENTS.deliveries in src/webhooks/webhooks.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT id, message_id AS "messageId", event_type AS "eventType", state, payload, created_at AS "createdAt",
CASE WHEN state = 'pending' THEN next_attempt_at END AS "nextAttemptAt", delivered_at AS "deliveredAt",
last_status AS "lastStatus", last_error AS "lastError" FROM webhook_delivery
WHERE endpoint_id = $1 AND ($3::text IS NULL OR state = $3)
  AND ($4::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM webhook_delivery WHERE id = $4))
ORDER BY created_at DESC, id DESC
LIMIT $2
