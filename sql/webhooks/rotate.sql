-- WEBHOOK_STATEMENTS.rotate in src/webhooks/webhooks.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE webhook_endpoint
SET previous_secret = secret, previous_secret_until = now() + $3 * interval '1 hour', secret = $2
WHERE id = $1
RETURNING previous_secret_until AS "previousSecretValidUntil"
