import { readingId, type Reading } from './ingestion.dto';
import { readingKey, type IngestionRepository } from './ingestion.repository';
import { GroupCommitter } from './group-commit';
import { isDatabaseUnavailable, isTransientDatabaseError } from '../db/db-errors';
import type { Metrics } from '../observability/metrics';

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
  private readonly group: GroupCommitter<Reading, boolean> | undefined;

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

  /** Stores the readings in one transaction; returns, per reading, whether it was already stored. */
  async ingest(readings: Reading[]): Promise<boolean[]> {
    const keys = readings.map((reading) => readingKey(reading.type, readingId(reading), reading.timestamp));
    // A repeat inside the same call is a duplicate of its first occurrence, which alone is written.
    const firstIndex = new Map<string, number>();
    keys.forEach((key, index) => {
      if (!firstIndex.has(key)) firstIndex.set(key, index);
    });
    const unique = [...firstIndex.values()].map((index) => readings[index]);
    const stored = unique.length > 0 ? await this.repository.write(unique) : new Set<string>();
    const duplicates = keys.map((key, index) => firstIndex.get(key) !== index || !stored.has(key));
    readings.forEach((reading, index) =>
      this.options.metrics.readings.inc({ type: reading.type, outcome: duplicates[index] ? 'duplicate' : 'ingested' }),
    );
    return duplicates;
  }

  async ingestOne(reading: Reading): Promise<{ duplicate: boolean }> {
    const duplicate = this.group ? await this.group.submit(reading) : (await this.ingest([reading]))[0];
    return { duplicate };
  }

  async ingestBatch(readings: Reading[]): Promise<BatchSummary> {
    const duplicates = (await this.ingest(readings)).filter(Boolean).length;
    return { stored: readings.length - duplicates, duplicates };
  }

  /** Answers every reading still waiting for its group; called on shutdown. */
  async drain(): Promise<void> {
    await this.group?.drain();
  }
}
