-- WEBHOOK_STATEMENTS.remove in src/webhooks/webhooks.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
DELETE FROM webhook_endpoint WHERE id = $1 RETURNING id
