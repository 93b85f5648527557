import type { Logger } from 'pino';
import type { PartitionService } from './partition.service';

/**
 * Runs partition maintenance once at start and then every `intervalMs`. A failed run is logged and
 * left to the next one: until then the partitions made ahead, and the default partition after them,
 * keep taking every reading.
 */
export class PartitionScheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly service: PartitionService,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Resolves once the first run has finished, so the service starts with its partitions in place. */
  async start(): Promise<void> {
    await this.run();
    this.timer = setInterval(() => void this.run(), this.intervalMs);
    // The timer alone must not keep the process alive.
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress, so the database can close after it. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private run(): Promise<void> {
    // A run slower than the interval is not doubled up; a tick that finds one still going leaves it be.
    this.running ??= this.service
      .maintain()
      .then((reports) => {
        const changed = reports.some(
          (report) => !report.skipped && (report.created.length > 0 || report.dropped.length > 0),
        );
        this.logger[changed ? 'info' : 'debug']({ partitions: reports }, 'history partitions maintained');
      })
      .catch((error: unknown) => this.logger.error({ err: error }, 'history partition maintenance failed'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
