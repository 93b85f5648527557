import type { RollupRepository } from './rollup.repository';

const DAY_MS = 86_400_000;

/** The upkeep of the rollups that the service does on its own, beside `npm run analytics:refresh`. */
export class RollupService {
  constructor(
    private readonly repository: RollupRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Seals every day before the current UTC day: its daily rollups are built once and kept from then
   * on by the insert triggers. Today stays in the hourly rollups, which take every reading anyway.
   */
  sealPastDays(): Promise<boolean> {
    return this.repository.seal(new Date(Math.floor(this.now().getTime() / DAY_MS) * DAY_MS));
  }
}
