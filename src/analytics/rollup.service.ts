import type { Metrics } from '../observability/metrics';
import type { RollupRepository } from './rollup.repository';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const floorTo = (at: Date, unit: number) => new Date(Math.floor(at.getTime() / unit) * unit);

/** The upkeep of the rollups that the service does on its own, beside `npm run analytics:refresh`. */
export class RollupService {
  constructor(
    private readonly repository: RollupRepository,
    private readonly metrics?: Metrics,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Seals every hour before the current one and every day before the current UTC day: their rollup
   * rows are built once and kept from then on by the insert triggers. The current hour stays in
   * history alone, which is where nearly every reading lands, so ingestion does no rollup work for it.
   * An aborted `signal` ends a catch-up after its step in progress.
   */
  seal(signal?: AbortSignal): Promise<boolean> {
    const now = this.now();
    // The mark reached, step by step: a seal catching up on a backlog shows it advancing, and one that
    // another replica moved, or that stopped at a lock, shows where it stands.
    return this.repository.seal(
      floorTo(now, HOUR_MS),
      floorTo(now, DAY_MS),
      (hoursUntil) => this.metrics?.rollupSealedUntil.set(hoursUntil.getTime() / 1_000),
      signal,
    );
  }
}
