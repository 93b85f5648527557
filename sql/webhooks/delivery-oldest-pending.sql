-- DELIVERY_STATEMENTS.oldestPending in src/webhooks/webhook-delivery.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT coalesce(extract(epoch FROM now() - min(pending_since)), 0)::float8 AS seconds
FROM webhook_delivery WHERE state = 'pending'
