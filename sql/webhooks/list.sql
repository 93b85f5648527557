-- WEBHOOK_STATEMENTS.list in src/webhooks/webhooks.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT id, url, description, event_types AS "eventTypes", enabled, disabled_reason AS "disabledReason",
failing_since AS "failingSince",
CASE WHEN previous_secret_until > now() THEN previous_secret_until END AS "previousSecretValidUntil",
created_at AS "createdAt" FROM webhook_endpoint ORDER BY created_at, id
