-- DELIVERY_STATEMENTS.prune in src/webhooks/webhook-delivery.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
WITH pruned AS (
  DELETE FROM webhook_delivery WHERE id IN (
    SELECT id FROM webhook_delivery WHERE state <> 'pending' AND created_at < now() - $1 * interval '1 day'
    ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
  )
  RETURNING 1
)
SELECT count(*)::int AS pruned FROM pruned
