-- CONDITION_STATEMENTS.failingWebhooks in src/alarms/alarm-conditions.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT id, url, description, failing_since AS "failingSince" FROM webhook_endpoint
WHERE enabled AND failing_since < now() - interval '1 day'
