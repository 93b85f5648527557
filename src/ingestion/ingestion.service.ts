import { readingId, type Reading } from './ingestion.dto';
import { readingKey, type IngestionRepository } from './ingestion.repository';
import { GroupCommitter } from './group-commit';

export interface BatchSummary {
  stored: number;
  duplicates: number;
}

export interface IngestionOptions {
  groupCommitMs: number;
  groupCommitMax: number;
  onGroupCommit?: (size: number) => void;
}

export class IngestionService {
  private readonly group: GroupCommitter<Reading, boolean> | undefined;

  constructor(
    private readonly repository: IngestionRepository,
    options: IngestionOptions,
  ) {
    // Single readings arrive one per request; writing them in groups trades a few milliseconds of
    // latency for one transaction (and one WAL flush) per group instead of per reading.
    this.group =
      options.groupCommitMs > 0
        ? new GroupCommitter((readings) => this.ingest(readings), {
            maxWaitMs: options.groupCommitMs,
            maxItems: options.groupCommitMax,
            onFlush: options.onGroupCommit,
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
    return keys.map((key, index) => firstIndex.get(key) !== index || !stored.has(key));
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
