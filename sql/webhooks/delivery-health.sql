-- DELIVERY_STATEMENTS.health in src/webhooks/webhook-delivery.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE webhook_endpoint SET failing_since = CASE WHEN $2::boolean THEN NULL ELSE $3::timestamptz END
WHERE id = $1 AND (failing_since IS NULL) <> $2
