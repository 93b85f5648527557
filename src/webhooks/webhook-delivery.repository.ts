import type { DataSource } from 'typeorm';
import { lockBoundedTransaction } from '../db/lock-timeout';
import { sql } from '../db/sql';
import { changeEndpoint, WEBHOOK_STATEMENTS } from './webhooks.repository';

/** A delivery this process holds the lease of, with what it takes to send it. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  messageId: string;
  payload: string;
  /** This attempt's number: the delivery's attempts, this one included. */
  attempt: number;
  url: string;
  /** The secret, and the previous one while it still signs. */
  secrets: string[];
}

/** One attempt as recorded, and what becomes of its delivery. */
export interface AttemptRecord {
  at: Date;
  durationMs: number;
  status: number | null;
  error: string | null;
  /**
   * `delivered`: done. `retry`: pending again in `delayMs`, or failed if that falls past its retry window.
   * `gone`: failed, and the endpoint disabled. `interrupted`: due again at once, by any replica, and the
   * endpoint not held to have failed: this process stopped, the receiver did nothing wrong.
   */
  next: 'delivered' | 'retry' | 'gone' | 'interrupted';
  delayMs: number;
}

/** The statements the deliverer sends, by name (tools/sql-snapshots.ts keeps them readable under sql/). */
export const DELIVERY_STATEMENTS = {
  /**
   * Up to $1 due deliveries of enabled endpoints, leased for $2 ms with their attempt counted. SKIP LOCKED
   * leaves those another replica is claiming to it; one whose claim committed meanwhile is read again
   * and found leased. Each is therefore attempted once per due time whatever the number of replicas,
   * and again only after its lease ran out unrecorded (a crash).
   */
  claim: sql`
    WITH due AS (
      SELECT d.id FROM webhook_delivery d
      JOIN webhook_endpoint e ON e.id = d.endpoint_id
      WHERE d.state = 'pending' AND d.next_attempt_at <= now() AND e.enabled
        AND (d.leased_until IS NULL OR d.leased_until <= now())
      ORDER BY d.next_attempt_at
      LIMIT $1
      FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE webhook_delivery d SET attempts = d.attempts + 1, leased_until = now() + $2 * interval '1 millisecond'
    FROM due, webhook_endpoint e
    WHERE d.id = due.id AND e.id = d.endpoint_id
    RETURNING d.id, d.endpoint_id AS "endpointId", d.message_id AS "messageId", d.payload, d.attempts AS attempt, e.url,
      array_remove(ARRAY[e.secret, CASE WHEN e.previous_secret_until > now() THEN e.previous_secret END], NULL) AS secrets`,
  /**
   * Taken first when recording, as a change of the endpoint takes it before its deliveries: one order
   * for every writer, so none waits on another in a circle. No row: the endpoint was removed.
   */
  lockEndpoint: sql`SELECT id FROM webhook_endpoint WHERE id = $1 FOR NO KEY UPDATE`,
  attempt: sql`
    INSERT INTO webhook_attempt (delivery_id, attempt, at, duration_ms, status, error)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (delivery_id, attempt) DO NOTHING`,
  /**
   * Only while attempt $2 is the delivery's latest and it is still pending: a worker whose lease ran out
   * and was taken over, or whose delivery was resent or failed meanwhile, changes nothing. $3 is the state
   * asked for; a retry ($3 pending) due after the window of $5 hours from `pending_since` fails instead.
   */
  outcome: sql`
    UPDATE webhook_delivery SET
      state = CASE
        WHEN $3::text = 'pending' AND now() + $4::float8 * interval '1 millisecond' > pending_since + $5 * interval '1 hour'
          THEN 'failed'
        ELSE $3 END,
      next_attempt_at = now() + $4 * interval '1 millisecond',
      delivered_at = CASE WHEN $3 = 'delivered' THEN now() END,
      leased_until = NULL, last_status = $6, last_error = $7
    WHERE id = $1 AND attempts = $2 AND state = 'pending'
    RETURNING state`,
  /** The failing mark the alarm check reads: set by a failure when not set already ($3, its time), cleared by a success ($2). */
  health: sql`
    UPDATE webhook_endpoint SET failing_since = CASE WHEN $2::boolean THEN NULL ELSE coalesce(failing_since, $3) END
    WHERE id = $1`,
  oldestPending: sql`
    SELECT coalesce(extract(epoch FROM now() - min(pending_since)), 0)::float8 AS seconds
    FROM webhook_delivery WHERE state = 'pending'`,
  /** Up to $2 settled deliveries written more than $1 days ago, with their attempts; oldest first. */
  prune: sql`
    WITH pruned AS (
      DELETE FROM webhook_delivery WHERE id IN (
        SELECT id FROM webhook_delivery WHERE state <> 'pending' AND created_at < now() - $1 * interval '1 day'
        ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
      )
      RETURNING 1
    )
    SELECT count(*)::int AS pruned FROM pruned`,
};

/** Settled deliveries (and their attempts) kept for the deliveries list: a month of what was sent and why it failed. */
const HISTORY_DAYS = 30;
/** Deleted per transaction: each is short, whatever the backlog. */
const PRUNE_BATCH = 1_000;

/** On the maintenance pool: deliveries never take a connection readings or readers wait for. */
export class WebhookDeliveryRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lockTimeoutMs: number,
    private readonly retryHours: number,
  ) {}

  async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const [rows] = await lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, (manager) =>
      manager.query<[ClaimedDelivery[], number]>(DELIVERY_STATEMENTS.claim, [limit, leaseMs]),
    );
    return rows;
  }

  /**
   * Records the attempt and its outcome; false when the delivery had moved on without it (its lease
   * taken over, resent, failed or removed), in which case only the attempt itself is kept.
   */
  record(delivery: ClaimedDelivery, attempt: AttemptRecord): Promise<boolean> {
    const { at, durationMs, status, error, next, delayMs } = attempt;
    const state = { delivered: 'delivered', retry: 'pending', interrupted: 'pending', gone: 'failed' }[next];
    return lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, async (manager) => {
      const [endpoint] = await manager.query<unknown[]>(DELIVERY_STATEMENTS.lockEndpoint, [delivery.endpointId]);
      if (!endpoint) return false;
      await manager.query(DELIVERY_STATEMENTS.attempt, [delivery.id, delivery.attempt, at, durationMs, status, error]);
      const [[current]] = await manager.query<[unknown[], number]>(DELIVERY_STATEMENTS.outcome, [
        delivery.id,
        delivery.attempt,
        state,
        delayMs,
        this.retryHours,
        status,
        error,
      ]);
      if (!current) return false;
      if (next !== 'interrupted') {
        await manager.query(DELIVERY_STATEMENTS.health, [delivery.endpointId, next === 'delivered', at]);
      }
      if (next === 'gone') {
        const reason = `It answered 410 Gone to ${delivery.messageId} at ${at.toISOString()}.`;
        await changeEndpoint(manager, delivery.endpointId, { enabled: false }, reason);
      }
      return true;
    });
  }

  /**
   * Fails what is still pending for disabled endpoints: a delivery written by a transaction that read the
   * endpoint as enabled while it was being disabled, which the disabling statement could not see.
   */
  async failDisabled(): Promise<void> {
    await lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, (manager) =>
      manager.query(WEBHOOK_STATEMENTS.failDisabled, [null]),
    );
  }

  /** Removes settled deliveries past HISTORY_DAYS, a batch at a time; how many. */
  async prune(signal?: AbortSignal): Promise<number> {
    let total = 0;
    while (!signal?.aborted) {
      const [{ pruned }] = await lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, (manager) =>
        manager.query<Array<{ pruned: number }>>(DELIVERY_STATEMENTS.prune, [HISTORY_DAYS, PRUNE_BATCH]),
      );
      total += pruned;
      if (pruned < PRUNE_BATCH) break;
    }
    return total;
  }

  async oldestPendingSeconds(): Promise<number> {
    const [{ seconds }] = await this.dataSource.query<Array<{ seconds: number }>>(DELIVERY_STATEMENTS.oldestPending);
    return seconds;
  }
}
