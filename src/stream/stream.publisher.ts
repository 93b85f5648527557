import type { Logger } from 'pino';
import type { Reading } from '../ingestion/ingestion.public';
import { gapPayload, readingPayloads } from './stream.events';
import type { StreamRepository } from './stream.repository';

/** Readings waiting for their notification; past this many, new ones are dropped and a gap is announced. */
const PENDING_MAX = 100_000;

/**
 * Announces committed readings from outside their transactions. A NOTIFY inside the ingest transaction
 * would make every ingest commit take PostgreSQL's notification lock, which it holds through the commit's
 * WAL flush: concurrent ingest commits would queue behind each other. Here, while one NOTIFY is in
 * flight the next readings gather, so busy ingestion sends few, large notifications, and a reading
 * is announced only after its commit, in the order the announcements commit.
 */
export class StreamPublisher {
  private pending: Reading[] = [];
  private dropped = false;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly repository: StreamRepository,
    private readonly nextKey: () => string,
    private readonly logger: Logger,
  ) {}

  /** Returns at once: the ingest request never waits for its announcement. */
  publish(readings: Reading[]): void {
    if (this.pending.length + readings.length > PENDING_MAX) this.dropped = true;
    else for (const reading of readings) this.pending.push(reading);
    this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
  }

  /** Resolves once everything published so far has been sent, or has failed to be. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0 || this.dropped) {
      const readings = this.pending;
      this.pending = [];
      // Listeners that learn of a gap tell their clients to reload, rather than let them miss events unknowingly.
      const payloads = [
        ...(this.dropped ? [gapPayload(this.nextKey())] : []),
        ...readingPayloads(readings, this.nextKey),
      ];
      this.dropped = false;
      try {
        await this.repository.notify(payloads);
      } catch (error) {
        this.logger.warn({ err: error, readings: readings.length }, 'could not announce readings on the live stream');
        // Announced with the next readings; retrying now would only hammer a database that just failed.
        this.dropped = true;
        return;
      }
    }
  }
}
