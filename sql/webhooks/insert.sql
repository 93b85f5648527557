-- WEBHOOK_STATEMENTS.insert in src/webhooks/webhooks.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
INSERT INTO webhook_endpoint (url, description, event_types, secret) VALUES ($1, $2, $3, $4)
RETURNING id, url, description, event_types AS "eventTypes", enabled, disabled_reason AS "disabledReason",
failing_since AS "failingSince",
CASE WHEN previous_secret_until > now() THEN previous_secret_until END AS "previousSecretValidUntil",
created_at AS "createdAt"
