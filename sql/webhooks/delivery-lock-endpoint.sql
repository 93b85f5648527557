-- DELIVERY_STATEMENTS.lockEndpoint in src/webhooks/webhook-delivery.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT id FROM webhook_endpoint WHERE id = $1 FOR NO KEY UPDATE
