import { ConflictError, NotFoundError, ValidationError } from '../errors/problem';
import { paged } from '../live/live.public';
import { namesPrivateHost } from './webhook-destination';
import { newWebhookSecret } from './webhook-secrets';
import type { DeliveryQuery, NewWebhook, WebhookChange } from './webhooks.dto';
import type { AttemptRow, DeliveryRow, EndpointRow, WebhookRepository } from './webhooks.repository';
import type {
  CreatedWebhook,
  DeliveryPage,
  DeliveryView,
  RotatedSecret,
  WebhookList,
  WebhookView,
} from './webhooks.responses';

/** How long a rotated-out secret keeps signing beside the new one. */
const PREVIOUS_SECRET_HOURS = 24;
const DISABLED_BY_OPERATOR = 'Disabled through the API.';

function view(row: EndpointRow): WebhookView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    failingSince: row.failingSince?.toISOString() ?? null,
    previousSecretValidUntil: row.previousSecretValidUntil?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

function deliveryView(row: DeliveryRow, attempts: AttemptRow[]): DeliveryView {
  return {
    id: row.id,
    messageId: row.messageId,
    eventType: row.eventType,
    state: row.state,
    payload: row.payload,
    createdAt: row.createdAt.toISOString(),
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    attempts: attempts
      .filter((attempt) => attempt.deliveryId === row.id)
      .map(({ attempt, at, durationMs, status, error }) => ({
        attempt,
        at: at.toISOString(),
        durationMs,
        status,
        error,
      })),
  };
}

const noEndpoint = (id: string) => new NotFoundError(`No webhook ${id} exists.`);

export interface WebhookOptions {
  /** WEBHOOK_ALLOW_PRIVATE: endpoints may be on loopback, private and link-local addresses. */
  allowPrivate: boolean;
}

/**
 * Webhook endpoints as operators manage them, and their deliveries. Secrets are made here and shown
 * twice only: when the endpoint is created and when its secret is rotated.
 */
export class WebhookService {
  /** `deliverSoon` tells this process's deliverer that a delivery was made due, so it need not wait for its poll. */
  constructor(
    private readonly repository: WebhookRepository,
    private readonly options: WebhookOptions,
    private readonly deliverSoon: () => void,
  ) {}

  async list(): Promise<WebhookList> {
    return { webhooks: (await this.repository.list()).map(view) };
  }

  async get(id: string): Promise<WebhookView> {
    const row = await this.repository.find(id);
    if (!row) throw noEndpoint(id);
    return view(row);
  }

  async create(webhook: NewWebhook): Promise<CreatedWebhook> {
    this.checkDestination(webhook.url, 'The webhook is invalid; nothing was created.');
    const secret = newWebhookSecret();
    return { ...view(await this.repository.insert(webhook, secret)), secret };
  }

  async change(id: string, change: WebhookChange): Promise<WebhookView> {
    if (change.url !== undefined) this.checkDestination(change.url, 'The change is invalid; nothing was changed.');
    const row = await this.repository.change(id, change, DISABLED_BY_OPERATOR);
    if (!row) throw noEndpoint(id);
    return view(row);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.repository.remove(id))) throw noEndpoint(id);
  }

  async rotateSecret(id: string): Promise<RotatedSecret> {
    const secret = newWebhookSecret();
    const until = await this.repository.rotate(id, secret, PREVIOUS_SECRET_HOURS);
    if (!until) throw noEndpoint(id);
    return { secret, previousSecretValidUntil: until.toISOString() };
  }

  async deliveries(id: string, query: DeliveryQuery): Promise<DeliveryPage> {
    await this.get(id);
    // A position must be one of this endpoint's deliveries: any other uuid would answer an empty page.
    if (query.after !== undefined && !(await this.repository.delivery(id, query.after))) {
      const message = 'cursor must be a nextCursor this endpoint gave, for a delivery it still lists';
      throw new ValidationError('The query is invalid.', [{ path: 'cursor', message }]);
    }
    const { page, nextCursor } = paged(await this.repository.deliveries(id, query), query.limit, (row) => row.id);
    const attempts = page.length > 0 ? await this.repository.attempts(page.map((row) => row.id)) : [];
    return { deliveries: page.map((row) => deliveryView(row, attempts)), nextCursor };
  }

  /** Pending again, due now, with the same message id: a receiver that had it already can tell. */
  async resend(id: string, deliveryId: string): Promise<DeliveryView> {
    const row = await this.repository.resend(id, deliveryId);
    if (row) {
      this.deliverSoon();
      return deliveryView(row, await this.repository.attempts([row.id]));
    }
    const endpoint = await this.get(id);
    if (!endpoint.enabled) throw new ConflictError(`Webhook ${id} is disabled; enable it before resending.`);
    if (!(await this.repository.delivery(id, deliveryId))) {
      throw new NotFoundError(`Webhook ${id} has no delivery ${deliveryId}.`);
    }
    throw new ConflictError(`Delivery ${deliveryId} is being attempted right now; its outcome decides what follows.`);
  }

  /**
   * Refuses at once a URL that names a private address outright. A name is judged on the address it
   * resolves to at each connection, by the deliverer, since what it resolves to can change.
   */
  private checkDestination(url: string, detail: string): void {
    if (this.options.allowPrivate || !namesPrivateHost(url)) return;
    const message =
      'url must lead to a public address, not a loopback, private or link-local one (WEBHOOK_ALLOW_PRIVATE is not set)';
    throw new ValidationError(detail, [{ path: 'url', message }]);
  }
}
