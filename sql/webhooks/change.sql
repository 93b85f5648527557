-- WEBHOOK_STATEMENTS.change in src/webhooks/webhooks.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
UPDATE webhook_endpoint SET
  url = coalesce($2, url),
  event_types = coalesce($3::text[], event_types),
  description = CASE WHEN $4::boolean THEN $5::text ELSE description END,
  enabled = coalesce($6::boolean, enabled),
  disabled_reason = CASE
    WHEN $6 AND NOT enabled THEN NULL
    WHEN NOT $6 AND enabled THEN $7::text
    ELSE disabled_reason END,
  failing_since = CASE WHEN $6 AND NOT enabled THEN NULL ELSE failing_since END
WHERE id = $1
RETURNING id, url, description, event_types AS "eventTypes", enabled, disabled_reason AS "disabledReason",
failing_since AS "failingSince",
CASE WHEN previous_secret_until > now() THEN previous_secret_until END AS "previousSecretValidUntil",
created_at AS "createdAt"
