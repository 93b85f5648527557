-- DELIVERY_STATEMENTS.attempt in src/webhooks/webhook-delivery.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
INSERT INTO webhook_attempt (delivery_id, attempt, at, duration_ms, status, error)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (delivery_id, attempt) DO NOTHING
