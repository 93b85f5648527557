import type { DataSource, EntityManager } from 'typeorm';
import { lockBoundedTransaction } from '../db/lock-timeout';
import { sql } from '../db/sql';
import type { WebhookEventType } from './webhook-outbox';
import type { DeliveryQuery, DeliveryState, NewWebhook, WebhookChange } from './webhooks.dto';

export interface EndpointRow {
  id: string;
  url: string;
  description: string | null;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  disabledReason: string | null;
  failingSince: Date | null;
  previousSecretValidUntil: Date | null;
  createdAt: Date;
}

export interface DeliveryRow {
  id: string;
  messageId: string;
  eventType: WebhookEventType;
  state: DeliveryState;
  payload: string;
  createdAt: Date;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
}

export interface AttemptRow {
  deliveryId: string;
  attempt: number;
  at: Date;
  durationMs: number | null;
  status: number | null;
  error: string | null;
}

const ENDPOINT = sql`id, url, description, event_types AS "eventTypes", enabled, disabled_reason AS "disabledReason",
failing_since AS "failingSince",
CASE WHEN previous_secret_until > now() THEN previous_secret_until END AS "previousSecretValidUntil",
created_at AS "createdAt"`;

const DELIVERY = sql`id, message_id AS "messageId", event_type AS "eventType", state, payload, created_at AS "createdAt",
CASE WHEN state = 'pending' THEN next_attempt_at END AS "nextAttemptAt", delivered_at AS "deliveredAt",
last_status AS "lastStatus", last_error AS "lastError"`;

/** The statements this repository sends, by name (tools/sql-snapshots.ts keeps them readable under sql/). */
export const WEBHOOK_STATEMENTS = {
  list: sql`SELECT ${ENDPOINT} FROM webhook_endpoint ORDER BY created_at, id`,
  find: sql`SELECT ${ENDPOINT} FROM webhook_endpoint WHERE id = $1`,
  insert: sql`
    INSERT INTO webhook_endpoint (url, description, event_types, secret) VALUES ($1, $2, $3, $4)
    RETURNING ${ENDPOINT}`,
  /**
   * $2 url, $3 event types and $6 enabled change when not null; $4 says whether the description changes
   * (to $5, null removing it). Disabling records $7 as the reason, unless it was disabled already;
   * enabling clears the reason and the failing mark, so an endpoint put back starts afresh.
   */
  change: sql`
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
    RETURNING ${ENDPOINT}`,
  /**
   * A disabled endpoint has nothing pending: its deliveries are failed (those of $1, or of every disabled
   * endpoint when $1 is null). An attempt in flight then finds its delivery no longer pending and leaves it be.
   */
  failDisabled: sql`
    UPDATE webhook_delivery d
    SET state = 'failed', leased_until = NULL, last_error = 'Not sent: the endpoint was disabled. ' || e.disabled_reason
    FROM webhook_endpoint e
    WHERE e.id = d.endpoint_id AND NOT e.enabled AND d.state = 'pending' AND ($1::uuid IS NULL OR e.id = $1)`,
  /** The old secret signs beside the new one for $3 hours, so receivers can switch without losing a delivery. */
  rotate: sql`
    UPDATE webhook_endpoint
    SET previous_secret = secret, previous_secret_until = now() + $3 * interval '1 hour', secret = $2
    WHERE id = $1
    RETURNING previous_secret_until AS "previousSecretValidUntil"`,
  remove: sql`DELETE FROM webhook_endpoint WHERE id = $1 RETURNING id`,
  /** $3 state filter when not null; $4 is the cursor: the last delivery of the previous page. */
  deliveries: sql`
    SELECT ${DELIVERY} FROM webhook_delivery
    WHERE endpoint_id = $1 AND ($3::text IS NULL OR state = $3)
      AND ($4::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM webhook_delivery WHERE id = $4))
    ORDER BY created_at DESC, id DESC
    LIMIT $2`,
  delivery: sql`SELECT ${DELIVERY} FROM webhook_delivery WHERE endpoint_id = $1 AND id = $2`,
  attempts: sql`
    SELECT delivery_id AS "deliveryId", attempt, at, duration_ms AS "durationMs", status, error
    FROM webhook_attempt WHERE delivery_id = ANY($1::uuid[])
    ORDER BY delivery_id, attempt`,
  /**
   * Due now, with the same message id and its retries counted afresh: a new retry window from now, and a
   * backoff that starts again from its first step (the attempts so far are noted, the history's numbers
   * go on). The endpoint is held while it is read as enabled, so a concurrent disable either comes first
   * (nothing is resent) or fails it after. An attempt in flight is left to finish: no row then.
   */
  resend: sql`
    UPDATE webhook_delivery d
    SET state = 'pending', next_attempt_at = now(), pending_since = now(), attempts_at_resend = d.attempts,
      delivered_at = NULL
    FROM (SELECT id AS endpoint_id FROM webhook_endpoint WHERE id = $1 AND enabled FOR SHARE) e
    WHERE d.id = $2 AND d.endpoint_id = e.endpoint_id
      AND (d.state <> 'pending' OR d.leased_until IS NULL OR d.leased_until <= now())
    RETURNING ${DELIVERY}`,
};

/**
 * Applies a change in `manager`'s transaction; an endpoint left disabled has its pending deliveries failed
 * in a statement of its own, which sees deliveries written or resent while the change waited for the row.
 */
export async function changeEndpoint(
  manager: EntityManager,
  id: string,
  { url, eventTypes, description, enabled }: WebhookChange,
  disabledReason: string,
): Promise<EndpointRow | undefined> {
  const params = [
    id,
    url ?? null,
    eventTypes ?? null,
    description !== undefined,
    description ?? null,
    enabled ?? null,
    disabledReason,
  ];
  const [[row]] = await manager.query<[EndpointRow[], number]>(WEBHOOK_STATEMENTS.change, params);
  if (row && !row.enabled) await manager.query(WEBHOOK_STATEMENTS.failDisabled, [id]);
  return row;
}

/** Operators' work, on the pool of readers, as the device registry's; each write waits for locks no longer than `lockTimeoutMs`. */
export class WebhookRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lockTimeoutMs: number,
  ) {}

  list(): Promise<EndpointRow[]> {
    return this.dataSource.query<EndpointRow[]>(WEBHOOK_STATEMENTS.list);
  }

  async find(id: string): Promise<EndpointRow | undefined> {
    const [row] = await this.dataSource.query<EndpointRow[]>(WEBHOOK_STATEMENTS.find, [id]);
    return row;
  }

  async insert({ url, description, eventTypes }: NewWebhook, secret: string): Promise<EndpointRow> {
    const [row] = await this.dataSource.query<EndpointRow[]>(WEBHOOK_STATEMENTS.insert, [
      url,
      description,
      eventTypes,
      secret,
    ]);
    return row;
  }

  change(id: string, change: WebhookChange, disabledReason: string): Promise<EndpointRow | undefined> {
    return lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, (manager) =>
      changeEndpoint(manager, id, change, disabledReason),
    );
  }

  /** The new previous secret's end, or undefined when there is no such endpoint. */
  async rotate(id: string, secret: string, overlapHours: number): Promise<Date | undefined> {
    const [[row]] = await lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, (manager) =>
      manager.query<[Array<{ previousSecretValidUntil: Date }>, number]>(WEBHOOK_STATEMENTS.rotate, [
        id,
        secret,
        overlapHours,
      ]),
    );
    return row?.previousSecretValidUntil;
  }

  /** Its deliveries and their attempts go with it. */
  async remove(id: string): Promise<boolean> {
    const [rows] = await lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, (manager) =>
      manager.query<[unknown[], number]>(WEBHOOK_STATEMENTS.remove, [id]),
    );
    return rows.length > 0;
  }

  /** One row more than the page, which tells whether another page follows. */
  deliveries(endpointId: string, { limit, state, after }: DeliveryQuery): Promise<DeliveryRow[]> {
    return this.dataSource.query<DeliveryRow[]>(WEBHOOK_STATEMENTS.deliveries, [
      endpointId,
      limit + 1,
      state ?? null,
      after ?? null,
    ]);
  }

  async delivery(endpointId: string, id: string): Promise<DeliveryRow | undefined> {
    const [row] = await this.dataSource.query<DeliveryRow[]>(WEBHOOK_STATEMENTS.delivery, [endpointId, id]);
    return row;
  }

  attempts(deliveryIds: string[]): Promise<AttemptRow[]> {
    return this.dataSource.query<AttemptRow[]>(WEBHOOK_STATEMENTS.attempts, [deliveryIds]);
  }

  async resend(endpointId: string, id: string): Promise<DeliveryRow | undefined> {
    const [[row]] = await lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, (manager) =>
      manager.query<[DeliveryRow[], number]>(WEBHOOK_STATEMENTS.resend, [endpointId, id]),
    );
    return row;
  }
}
