-- WEBHOOK_STATEMENTS.attempts in src/webhooks/webhooks.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT delivery_id AS "deliveryId", attempt, at, duration_ms AS "durationMs", status, error
FROM webhook_attempt WHERE delivery_id = ANY($1::uuid[])
ORDER BY delivery_id, attempt
