-- DELIVERY_STATEMENTS.health in src/webhooks/webhook-delivery.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE webhook_endpoint SET failing_since = CASE WHEN $2::boolean THEN NULL ELSE coalesce(failing_since, $3) END
WHERE id = $1
