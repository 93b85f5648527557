-- WEBHOOK_STATEMENTS.failDisabled in src/webhooks/webhooks.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE webhook_delivery d
SET state = 'failed', leased_until = NULL, last_error = 'Not sent: the endpoint was disabled. ' || e.disabled_reason
FROM webhook_endpoint e
WHERE e.id = d.endpoint_id AND NOT e.enabled AND d.state = 'pending' AND ($1::uuid IS NULL OR e.id = $1)
