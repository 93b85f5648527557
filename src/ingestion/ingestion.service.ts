import { readingId, type Reading } from './ingestion.dto';
import { readingKey, type IngestionRepository } from './ingestion.repository';

export interface BatchSummary {
  stored: number;
  duplicates: number;
}

export class IngestionService {
  constructor(private readonly repository: IngestionRepository) {}

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
    const [duplicate] = await this.ingest([reading]);
    return { duplicate };
  }

  async ingestBatch(readings: Reading[]): Promise<BatchSummary> {
    const duplicates = (await this.ingest(readings)).filter(Boolean).length;
    return { stored: readings.length - duplicates, duplicates };
  }
}
