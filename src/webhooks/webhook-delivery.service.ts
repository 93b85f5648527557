import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics';
import type { ClaimedDelivery, WebhookDeliveryRepository } from './webhook-delivery.repository';
import { judge } from './webhook-outcome';
import { signatures } from './webhook-secrets';
import { WebhookSender } from './webhook-sender';

export interface DeliveryOptions {
  /** One attempt's limit, connection to last byte. */
  timeoutMs: number;
  retryBaseMs: number;
  pollMs: number;
  allowPrivate: boolean;
}

/**
 * Attempts one process makes at once, to as many endpoints (each has one in flight at a time): a
 * receiver that hangs holds one of them, and the pool is spared.
 */
const CONCURRENCY = 4;
/**
 * A lease outlasts its attempt's timeout by this much, time for the outcome to be recorded before
 * another replica may take the delivery up: only a crash (or a stall this long) sends it twice.
 */
const LEASE_MARGIN_MS = 5_000;
/**
 * An outcome that could not be recorded (the maintenance pool busy, a lock not granted) is tried again
 * after 100 ms, then twice as long each time, as long as a try can start within this much of the lease
 * margin: one that waits its full pool and lock timeouts still ends before the lease runs out and
 * another replica sends the delivery again.
 */
const RECORD_RETRY_WITHIN_MS = 2_000;
const RECORD_FIRST_PAUSE_MS = 100;

/**
 * Sends the deliveries of the outbox, in every replica: every `pollMs`, and at once when told a delivery
 * is due (`deliverSoon`). Deliveries are claimed in a short transaction of their own with a lease, POSTed
 * outside any transaction, and their outcome recorded in another; a process killed mid-attempt leaves
 * the lease to run out, and the delivery is taken up again with the same message id.
 */
export class WebhookDeliverer {
  private readonly sender: WebhookSender;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private readonly stopping = new AbortController();
  private claiming: Promise<void> | undefined;
  /** A claim was asked for while one ran: run another after it, as the deliveries it missed may be due. */
  private claimAgain = false;
  private observing = false;
  private readonly attempts = new Set<Promise<void>>();

  constructor(
    private readonly repository: WebhookDeliveryRepository,
    private readonly options: DeliveryOptions,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.sender = new WebhookSender(options.allowPrivate, options.timeoutMs);
  }

  /** From src/server.ts only: an app built for a test or a command sends nothing by itself. */
  start(): void {
    if (this.started || this.stopping.signal.aborted) return;
    this.started = true;
    this.timer = setInterval(() => this.poll(), this.options.pollMs);
    this.timer.unref();
    this.poll();
  }

  /** Looks for due deliveries now rather than at the next poll; nothing before start() or after stop(). */
  deliverSoon(): void {
    if (!this.started || this.stopping.signal.aborted) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = this.claim()
      .catch((error: unknown) => this.logger.error({ err: error }, 'webhook deliveries not claimed'))
      .finally(() => {
        this.claiming = undefined;
        if (this.claimAgain) {
          this.claimAgain = false;
          this.deliverSoon();
        }
      });
  }

  /**
   * Claims nothing more, and cuts the attempts in flight short: each is recorded as interrupted and is
   * due again at once, for another replica or the next start. Resolves once they are recorded.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.claiming;
    await Promise.all(this.attempts);
  }

  /** Forgets settled deliveries older than a month; a maintenance job, run by src/server.ts. */
  prune(signal?: AbortSignal): Promise<number> {
    return this.repository.prune(signal);
  }

  private poll(): void {
    this.deliverSoon();
    void this.observe();
  }

  /** Each poll: disabled endpoints keep nothing pending, and the oldest pending delivery's age is published. */
  private async observe(): Promise<void> {
    if (this.observing) return;
    this.observing = true;
    try {
      await this.repository.failDisabled();
      this.metrics.webhookOldestPendingSeconds.set(await this.repository.oldestPendingSeconds());
    } catch (error) {
      this.logger.warn({ err: error }, 'webhook backlog not observed');
    } finally {
      this.observing = false;
    }
  }

  private async claim(): Promise<void> {
    const free = CONCURRENCY - this.attempts.size;
    if (free <= 0) return;
    const claimed = await this.repository.claim(free, this.options.timeoutMs + LEASE_MARGIN_MS);
    for (const delivery of claimed) {
      const attempt: Promise<void> = this.attempt(delivery)
        .catch((error: unknown) => this.logger.error({ err: error, deliveryId: delivery.id }, 'webhook attempt failed'))
        .finally(() => {
          this.attempts.delete(attempt);
          // A slot is free: take the next due delivery now rather than at the next poll.
          this.deliverSoon();
        });
      this.attempts.add(attempt);
    }
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { id, endpointId, messageId, payload, attempt, attemptSinceResend, retryUntil } = delivery;
    const at = new Date();
    const started = performance.now();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'fleet-platform-webhooks',
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signatures(delivery.secrets, messageId, at, payload),
    };
    const answer = await this.sender.post(delivery.url, headers, payload, this.stopping.signal);
    const { outcome, record } = judge(answer, {
      attempt: attemptSinceResend,
      at,
      durationMs: Math.round(performance.now() - started),
      retryBaseMs: this.options.retryBaseMs,
      timeoutMs: this.options.timeoutMs,
      retryUntil,
    });
    this.metrics.webhookDeliveries.inc({ outcome });
    const about = { deliveryId: id, endpointId, messageId, attempt };
    if (outcome !== 'delivered') {
      this.logger.warn({ ...about, outcome, status: record.status, error: record.error }, 'webhook attempt failed');
    }
    const giveUpAt = performance.now() + RECORD_RETRY_WITHIN_MS;
    for (let pause = RECORD_FIRST_PAUSE_MS; ; pause *= 2) {
      try {
        if (!(await this.repository.record(delivery, record))) {
          this.logger.info(about, 'webhook delivery moved on during the attempt; its outcome is kept as history only');
        }
        return;
      } catch (error) {
        if (performance.now() + pause > giveUpAt) {
          // The lease runs out unrecorded, and the delivery is attempted again, as after a crash.
          this.logger.error({ ...about, err: error }, 'webhook attempt not recorded');
          return;
        }
        this.logger.warn({ ...about, err: error }, 'webhook attempt not recorded yet; trying again');
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }
}
