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
   */
  async seal(): Promise<boolean> {
    const now = this.now();
    const hours = floorTo(now, HOUR_MS);
    const moved = await this.repository.seal(hours, floorTo(now, DAY_MS));
    // Moved here or already there (by another replica): sealed up to the hour either way.
    this.metrics?.rollupSealedUntil.set(hours.getTime() / 1_000);
    return moved;
  }
}
