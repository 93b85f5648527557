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
  /** This attempt's number in the delivery's history: its attempts, this one included. */
  attempt: number;
  /** This attempt's number since the delivery was written or last resent by hand: what its backoff grows with. */
  attemptSinceResend: number;
  /** When its retry window (WEBHOOK_RETRY_HOURS from `pending_since`) ends, on this process's clock. */
  retryUntil: Date;
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
   * `delivered`: done. `retry`: pending again in `delayMs`, cut at the end of its retry window, and
   * failed when that has passed. `gone`: failed, and the endpoint disabled. `interrupted`: due again at
   * once, by any replica, and the endpoint not held to have failed: this process stopped, the receiver
   * did nothing wrong.
   */
  next: 'delivered' | 'retry' | 'gone' | 'interrupted';
  delayMs: number;
}

/** What a claim may take: pending and due, under no live lease (one that ran out unrecorded was a crash). */
const CLAIMABLE = sql`
  d.state = 'pending' AND d.next_attempt_at <= now()
  AND (d.leased_until IS NULL OR d.leased_until <= now())`;

/** Endpoint `e` has a delivery in flight: it gets one at a time, so a receiver that hangs holds up only itself. */
const IN_FLIGHT = sql`
  EXISTS (
    SELECT FROM webhook_delivery busy
    WHERE busy.endpoint_id = e.id AND busy.state = 'pending' AND busy.leased_until > now()
  )`;

/** The statements the deliverer sends, by name (tools/sql-snapshots.ts keeps them readable under sql/). */
export const DELIVERY_STATEMENTS = {
  /**
   * Up to $1 enabled endpoints with a delivery to claim and none in flight, held until the claim commits,
   * each with its longest due delivery: endpoints whose last attempt succeeded first, so a crowd that
   * keeps failing cannot take every attempt slot from those that answer. SKIP LOCKED leaves an endpoint
   * another replica is claiming, or recording an attempt of, to it.
   */
  candidates: sql`
    SELECT first.id FROM webhook_endpoint e
    CROSS JOIN LATERAL (
      SELECT d.id, d.next_attempt_at FROM webhook_delivery d
      WHERE d.endpoint_id = e.id
        AND ${CLAIMABLE}
      ORDER BY d.next_attempt_at, d.id
      LIMIT 1
    ) first
    WHERE e.enabled AND NOT ${IN_FLIGHT}
    ORDER BY e.failing_since IS NOT NULL, first.next_attempt_at
    LIMIT $1
    FOR NO KEY UPDATE OF e SKIP LOCKED`,
  /**
   * The candidates $1, leased for $2 ms with their attempt counted, checked again in this statement's
   * snapshot, taken once their endpoints were held: a claim or an outcome another replica committed
   * meanwhile is seen, so an endpoint has one delivery in flight and a delivery is attempted once per
   * due time, whatever the number of replicas (again only after its lease ran out unrecorded, a crash).
   * Recording, resending and changing an endpoint hold it too, so none of these rows changes meanwhile.
   * What is left of the retry window, $3 hours from `pending_since`, is measured on the database's clock.
   */
  claim: sql`
    UPDATE webhook_delivery d SET attempts = d.attempts + 1, leased_until = now() + $2 * interval '1 millisecond'
    FROM webhook_endpoint e
    WHERE d.id = ANY ($1::uuid[]) AND e.id = d.endpoint_id
      AND ${CLAIMABLE}
      AND NOT ${IN_FLIGHT}
    RETURNING d.id, d.endpoint_id AS "endpointId", d.message_id AS "messageId", d.payload, d.attempts AS attempt,
      d.attempts - d.attempts_at_resend AS "attemptSinceResend",
      extract(epoch FROM d.pending_since + $3 * interval '1 hour' - now())::float8 * 1000 AS "retryLeftMs",
      e.url,
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
   * asked for. A retry ($3 pending) waits $4 ms but no later than the end of its window of $5 hours
   * from `pending_since`, so the last attempt is made as it ends; one recorded after that fails instead.
   */
  outcome: sql`
    UPDATE webhook_delivery SET
      state = CASE
        WHEN $3::text = 'pending' AND now() >= pending_since + $5 * interval '1 hour' THEN 'failed'
        ELSE $3 END,
      next_attempt_at = least(now() + $4 * interval '1 millisecond', pending_since + $5 * interval '1 hour'),
      delivered_at = CASE WHEN $3 = 'delivered' THEN now() END,
      leased_until = NULL, last_status = $6, last_error = $7
    WHERE id = $1 AND attempts = $2 AND state = 'pending'
    RETURNING state`,
  /**
   * The failing mark the alarm check reads: set by a failure ($3, its time) when not set, cleared by a
   * success ($2) when set. Otherwise the row is left as it is, not written again with what it holds.
   */
  health: sql`
    UPDATE webhook_endpoint SET failing_since = CASE WHEN $2::boolean THEN NULL ELSE $3::timestamptz END
    WHERE id = $1 AND (failing_since IS NULL) <> $2`,
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

type Claimed = Omit<ClaimedDelivery, 'retryUntil'> & { retryLeftMs: number };

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

  /** Up to `limit` due deliveries, at most one per endpoint, leased for `leaseMs`. */
  async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const rows = await lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, async (manager) => {
      const candidates = await manager.query<Array<{ id: string }>>(DELIVERY_STATEMENTS.candidates, [limit]);
      if (candidates.length === 0) return [];
      const ids = candidates.map(({ id }) => id);
      const [claimed] = await manager.query<[Claimed[], number]>(DELIVERY_STATEMENTS.claim, [
        ids,
        leaseMs,
        this.retryHours,
      ]);
      return claimed;
    });
    // What is left of each window, as a time of this process's clock, which need not agree with the database's.
    const now = Date.now();
    return rows.map(({ retryLeftMs, ...row }) => ({ ...row, retryUntil: new Date(now + retryLeftMs) }));
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
