import type { Reading, ReadingType } from './ingestion.dto';
import type { IngestionRepository, WriteOutcome } from './ingestion.repository';
import { GroupCommitter } from './group-commit';
import { isDatabaseUnavailable, isTransientDatabaseError } from '../db/db-errors';
import type { Metrics, ReadingOutcome } from '../observability/metrics';

export interface BatchSummary {
  stored: number;
  duplicates: number;
}

export interface IngestionOptions {
  groupCommitMs: number;
  groupCommitMax: number;
  groupCommitConcurrency: number;
  /** Single readings that may wait for a group; past it a reading is refused with 503 at once. */
  queueMax: number;
  metrics: Pick<Metrics, 'readings' | 'groupCommitSize' | 'ingestQueueRefused'>;
}

export class IngestionService {
  private readonly group: GroupCommitter<Reading, WriteOutcome> | undefined;

  constructor(
    private readonly repository: IngestionRepository,
    private readonly options: IngestionOptions,
  ) {
    // Single readings arrive one per request; writing them in groups trades a few milliseconds of
    // latency for one transaction (and one WAL flush) per group instead of per reading.
    this.group =
      options.groupCommitMs > 0
        ? new GroupCommitter((readings) => this.ingest(readings), {
            maxWaitMs: options.groupCommitMs,
            maxItems: options.groupCommitMax,
            maxConcurrent: options.groupCommitConcurrency,
            maxWaiting: options.queueMax,
            // The write has had its retry already; a database that is down or busy fails every
            // reading alike, and writing them one by one would only add to its load.
            retryAlone: (error) => !isDatabaseUnavailable(error) && !isTransientDatabaseError(error),
            onFlush: (size) => options.metrics.groupCommitSize.observe(size),
            onRefused: () => options.metrics.ingestQueueRefused.inc(),
          })
        : undefined;
  }

  /** Stores the readings in one transaction; answers, per reading, whether it was new or already stored. */
  async ingest(readings: Reading[]): Promise<WriteOutcome[]> {
    const outcomes = await this.repository.write(readings);
    // Counted per type and outcome, not per reading: each increment hashes its labels.
    const counts = { meter: { ingested: 0, duplicate: 0 }, vehicle: { ingested: 0, duplicate: 0 } };
    readings.forEach((reading, index) => {
      counts[reading.type][outcomes[index] === 'stored' ? 'ingested' : 'duplicate'] += 1;
    });
    for (const type of ['meter', 'vehicle'] as const) {
      for (const outcome of ['ingested', 'duplicate'] as const) {
        if (counts[type][outcome] > 0) this.options.metrics.readings.inc({ type, outcome }, counts[type][outcome]);
      }
    }
    return outcomes;
  }

  async ingestOne(reading: Reading): Promise<{ duplicate: boolean }> {
    const outcome = this.group ? await this.group.submit(reading) : (await this.ingest([reading]))[0];
    return { duplicate: outcome === 'duplicate' };
  }

  async ingestBatch(readings: Reading[]): Promise<BatchSummary> {
    const duplicates = (await this.ingest(readings)).filter((outcome) => outcome === 'duplicate').length;
    return { stored: readings.length - duplicates, duplicates };
  }

  /**
   * A reading refused before it reached the store, under the type it claimed ('unknown' when it
   * claimed none): counted here with the stored and duplicate ones, so every outcome has one source.
   */
  rejected(type: ReadingType | 'unknown'): void {
    this.count(type, 'rejected');
  }

  /** A valid reading its caller may not write (a device outside its scope, or one the registry refuses). */
  refusedFor(type: ReadingType): void {
    this.count(type, 'rejected');
  }

  /** Answers every reading still waiting for its group; called on shutdown. */
  async drain(): Promise<void> {
    await this.group?.drain();
  }

  private count(type: ReadingType | 'unknown', outcome: ReadingOutcome): void {
    this.options.metrics.readings.inc({ type, outcome });
  }
}
