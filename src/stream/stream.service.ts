import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { AnalyticsService } from '../analytics/analytics.public';
import type { SessionView } from '../charging-sessions/charging-sessions.public';
import { isLockNotAvailable } from '../db/lock-timeout';
import { NotFoundError, ServiceUnavailableError } from '../errors/problem';
import type { Reading } from '../ingestion/ingestion.public';
import type { StreamFilter } from './stream.dto';
import { frameOf, gapPayload, lowEfficiencyPayload, notificationOf, type Notification } from './stream.events';
import { StreamPublisher } from './stream.publisher';
import { ReplayBuffer } from './stream.replay';
import type { Listener, StreamRepository } from './stream.repository';
import { matches, Subscribers, type StreamSink } from './stream.subscribers';

export type { StreamSink } from './stream.subscribers';

export interface StreamOptions {
  enabled: boolean;
  replayEvents: number;
  efficiencyAlertThreshold: number;
  /** How long the stream counts as followed after this process last said it has clients. */
  followLeaseMs?: number;
  /** Clients this process serves at once; unset, as many as come. */
  maxClients?: number;
  /** Bytes queued for slow clients across the process; past it the most behind are dropped. Unset, no bound. */
  bufferBudgetBytes?: number;
}

const RECONNECT_MAX_MS = 30_000;
/** Renewed every quarter of it while this process has clients, so only a stall of minutes lets it lapse. */
const FOLLOW_LEASE_MS = 120_000;
/**
 * After the follow mark could not have its locks, new clients are answered 503 with this Retry-After
 * for as long, without asking the database again: each try holds readings back for up to the lock
 * timeout, and a crowd of clients must not turn that into a stall.
 */
const FOLLOW_BUSY_S = 2;
/** A renewal that failed is tried again this soon (at most), while the lease it renews still runs. */
const RENEWAL_RETRY_MS = 1_000;

const followBusy = () =>
  new ServiceUnavailableError(
    'Other work on the readings is in the way of the live stream; reconnect shortly.',
    FOLLOW_BUSY_S,
  );

const resetFrame = (reason: string, resumeFrom: string | undefined) =>
  `event: reset\n${resumeFrom === undefined ? '' : `id: ${resumeFrom}\n`}data: ${JSON.stringify({ reason })}\n\n`;

/**
 * Every process listens on one database connection and fans out to its own clients: an event costs
 * the database one notification whatever the number of replicas and clients. Readings are announced
 * once committed (StreamPublisher), and every replica receives the notifications in the same order,
 * the order they committed in; that shared order is what lets an id from one replica resume on another.
 * Readings are announced only while some process has clients (StreamRepository.follow): a stream that
 * nobody follows costs ingestion nothing but reading that mark.
 */
export class StreamService {
  private readonly subscribers: Subscribers;
  private readonly replay: ReplayBuffer;
  private readonly publisher: StreamPublisher;
  private listener: Promise<Listener> | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private readonly checks = new Set<Promise<void>>();
  private readonly followLeaseMs: number;
  /** Until when, by this process's clock, the stream is surely still marked followed. */
  private followedUntil = -Infinity;
  /** When, by this process's clock, the lease last recorded runs out. */
  private leaseUntil = -Infinity;
  /** Until when new clients are turned away, the follow mark having found its locks busy. */
  private busyUntil = -Infinity;
  private following: Promise<void> | undefined;
  private readonly renewal: NodeJS.Timeout | undefined;
  private renewalRetry: NodeJS.Timeout | undefined;
  /** Notifications this process waits to receive itself, by key. */
  private readonly arrivals = new Map<string, { arrived: () => void; missed: (error: Error) => void }>();
  private closed = false;
  // Keys name notifications across every replica: a random prefix per process, then a counter.
  private readonly keyPrefix = randomBytes(5).toString('hex');
  private keys = 0;

  constructor(
    private readonly repository: StreamRepository,
    private readonly analytics: AnalyticsService,
    private readonly options: StreamOptions,
    private readonly logger: Logger,
  ) {
    this.subscribers = new Subscribers(options.bufferBudgetBytes, (clients, droppedBytes) =>
      logger.warn(
        { clients, droppedBytes, budgetBytes: options.bufferBudgetBytes },
        'stream clients furthest behind dropped: what was queued for slow clients passed STREAM_BUFFER_BUDGET_BYTES',
      ),
    );
    this.replay = new ReplayBuffer(options.replayEvents);
    this.publisher = new StreamPublisher(repository, () => this.nextKey(), logger);
    this.followLeaseMs = options.followLeaseMs ?? FOLLOW_LEASE_MS;
    if (options.enabled) this.renewal = setInterval(() => this.renewFollowing(), this.followLeaseMs / 4).unref();
  }

  /** For ingestion, once the readings' transaction has committed; returns at once. */
  readonly announceReadings = (readings: Reading[]): void => this.publisher.publish(readings);

  /** Checked after the session's write has committed, off the request: the answer does not wait for analytics. */
  sessionClosed(session: SessionView): void {
    if (!this.options.enabled || this.closed || session.endedAt === null) return;
    const check: Promise<void> = this.announceIfInefficient({ ...session, endedAt: session.endedAt })
      .catch((error: unknown) =>
        this.logger.warn({ err: error, sessionId: session.id }, 'could not check a closed session for low efficiency'),
      )
      .finally(() => this.checks.delete(check));
    this.checks.add(check);
  }

  /**
   * Ready for a client: listening, and the stream marked followed so that every replica announces
   * what it stores. Fails when the database cannot be reached, and with a 503 when the mark could not
   * have its locks (readings were not held back for long: it gave up instead).
   */
  async ready(): Promise<void> {
    await this.listen();
    if (performance.now() < this.followedUntil) return;
    if (performance.now() < this.busyUntil) throw followBusy();
    await this.keepFollowed();
  }

  /** Starts listening, once; later calls wait for the same connection. Fails when the database cannot be reached. */
  async listen(): Promise<void> {
    if (!this.options.enabled) {
      throw new NotFoundError('The live stream is turned off on this service (STREAM_ENABLED=false).');
    }
    if (this.closed) throw new ServiceUnavailableError('The service is shutting down; reconnect shortly.', 1);
    this.listener ??= this.repository
      .listen({ notification: (payload) => this.receive(payload), lost: (error) => this.lost(error) })
      .catch((error: unknown) => {
        this.listener = undefined;
        throw error;
      });
    await this.listener;
  }

  /**
   * Sends `sink` what it missed since `lastEventId`, if given, then every new event for its filter;
   * synchronous, so no event falls between the two. Call after ready(). Returns the unsubscribe.
   */
  follow(filter: StreamFilter, lastEventId: string | undefined, sink: StreamSink): () => void {
    if (lastEventId !== undefined) {
      const missed = this.replay.after(lastEventId);
      if (missed) {
        const frames = missed.filter((event) => matches(filter, event)).map(frameOf);
        if (frames.length > 0) sink.send(frames.join(''));
      } else {
        sink.send(resetFrame('the events after Last-Event-ID are no longer kept', this.replay.newestId()));
      }
    }
    const subscriber = { filter, sink };
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  get clientCount(): number {
    return this.subscribers.size;
  }

  /** Refuses a client with a 503 when this process already serves as many as it may; call right before follow(). */
  admit(): void {
    if (this.subscribers.size < (this.options.maxClients ?? Infinity)) return;
    throw new ServiceUnavailableError(
      `This process already serves ${this.subscribers.size} stream clients (STREAM_MAX_CLIENTS); retry shortly, ` +
        'possibly on another replica.',
    );
  }

  /** Ends every stream and takes no new client; announcing goes on until close(). */
  endStreams(): void {
    this.closed = true;
    clearTimeout(this.reconnect);
    clearInterval(this.renewal);
    clearTimeout(this.renewalRetry);
    this.missArrivals('The service is shutting down; reconnect shortly.');
    this.subscribers.endAll();
  }

  /** Ends every stream, sends what is still to be announced, and stops listening. */
  async close(): Promise<void> {
    this.endStreams();
    await Promise.all(this.checks);
    await this.publisher.drain();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.then((open) => open.close()).catch(() => undefined);
  }

  private keepFollowed(): Promise<void> {
    this.following ??= this.markFollowed()
      .catch((error: unknown) => {
        if (!isLockNotAvailable(error)) throw error;
        this.busyUntil = performance.now() + FOLLOW_BUSY_S * 1_000;
        throw followBusy();
      })
      .finally(() => (this.following = undefined));
    return this.following;
  }

  /**
   * When nobody followed until now, the mark comes with a gap notification: once this process has
   * received it, everything kept from before is dropped, and a client that joins next misses nothing
   * announced after it.
   */
  private async markFollowed(): Promise<void> {
    const startedAt = performance.now();
    const key = this.nextKey();
    const arrived = new Promise<void>((resolve, reject) =>
      this.arrivals.set(key, { arrived: resolve, missed: reject }),
    );
    // Awaited only when the mark began a stretch; a rejection of one never awaited must not go unhandled.
    arrived.catch(() => undefined);
    const began = await this.repository.follow(this.followLeaseMs, gapPayload(key)).catch((error: unknown) => {
      this.arrivals.delete(key);
      throw error;
    });
    if (began) await arrived;
    else this.arrivals.delete(key);
    this.followedUntil = startedAt + this.followLeaseMs / 2;
    this.leaseUntil = startedAt + this.followLeaseMs;
  }

  /** What they wait for will not be heard: the connection that heard it is gone. */
  private missArrivals(reason: string): void {
    for (const { missed } of this.arrivals.values()) missed(new ServiceUnavailableError(reason, 1));
    this.arrivals.clear();
  }

  /**
   * A renewal that fails (no connection to be had, a lock busy) is tried again soon rather than at the
   * next regular one: the lease must not lapse while clients are here, since the mark that follows a
   * lapse sends the gap that ends every client on every replica.
   */
  private renewFollowing(): void {
    if (this.subscribers.size === 0 || this.closed) return;
    clearTimeout(this.renewalRetry);
    this.keepFollowed().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'could not renew the mark that the live stream is followed');
      if (this.closed || performance.now() >= this.leaseUntil) return;
      // A few tries left before the lease lapses, however short it is set.
      const delayMs = Math.min(RENEWAL_RETRY_MS, this.followLeaseMs / 16);
      this.renewalRetry = setTimeout(() => this.renewFollowing(), delayMs).unref();
    });
  }

  private nextKey(): string {
    return `${this.keyPrefix}${(this.keys++).toString(36)}`;
  }

  private async announceIfInefficient(session: SessionView & { endedAt: string }): Promise<void> {
    const window = { from: new Date(session.startedAt), to: new Date(session.endedAt) };
    const performance = await this.analytics
      .vehiclePerformance(session.vehicleId, window, session.meterId)
      .catch((error: unknown) => {
        // A vehicle that never reported has no ratio to be low.
        if (error instanceof NotFoundError) return undefined;
        throw error;
      });
    if (!performance?.lowEfficiency || performance.efficiencyRatio === null) return;
    const event = {
      sessionId: session.id,
      vehicleId: session.vehicleId,
      meterId: session.meterId,
      startedAt: session.startedAt,
      endedAt: session.endedAt,
      efficiencyRatio: performance.efficiencyRatio,
      threshold: this.options.efficiencyAlertThreshold,
    };
    await this.repository.notify([lowEfficiencyPayload(event, this.nextKey())]);
  }

  private receive(payload: string): void {
    let notification: Notification;
    try {
      notification = notificationOf(payload);
    } catch (error) {
      // Thrown from here it would surface inside the driver; one unreadable notification is only skipped.
      this.logger.warn({ err: error }, 'unreadable stream notification skipped');
      return;
    }
    if (notification.kind === 'g') this.broken();
    else {
      this.replay.push(notification);
      if (this.subscribers.size > 0) this.subscribers.deliver(this.replay.eventsOf(notification));
    }
    this.arrivals.get(notification.key)?.arrived();
    this.arrivals.delete(notification.key);
  }

  /**
   * Some events will never arrive, so the kept ones no longer tell a resuming client everything it
   * missed: they are dropped, and the clients are ended so that they come back and learn it.
   */
  private broken(): void {
    this.replay.clear();
    this.subscribers.endAll();
  }

  /** What was announced while the connection was down is lost to this process. */
  private lost(error: Error): void {
    this.logger.warn({ err: error }, 'stream listener connection lost; reconnecting');
    this.listener = undefined;
    this.broken();
    this.missArrivals('The live stream lost its database connection; reconnect shortly.');
    this.scheduleReconnect(1_000);
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.closed) return;
    this.reconnect = setTimeout(() => {
      this.ready().catch(() => this.scheduleReconnect(Math.min(delayMs * 2, RECONNECT_MAX_MS)));
    }, delayMs);
    this.reconnect.unref();
  }
}
