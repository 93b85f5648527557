import type { Logger } from 'pino';
import { isLockNotAvailable } from './lock-timeout';

/** A piece of upkeep: what it did, for the log, and whether that changed anything. */
export interface MaintenanceJob {
  name: string;
  /**
   * `signal` is aborted when the scheduler stops: a job working through steps that each commit (a
   * backlog of expired readings, of hours to seal) returns after the step in progress, and the next
   * start takes up from there.
   */
  run(signal: AbortSignal): Promise<{ changed: boolean; details?: unknown }>;
}

/**
 * Runs the database upkeep jobs once at start and then every `intervalMs`, one after the other. A
 * failed job is logged and left to the next run, the others still run: until then the partitions made
 * ahead and the default partition after them keep taking every reading, and analytics reads hourly
 * rollups where daily ones are not sealed yet.
 */
export class MaintenanceScheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly stopping = new AbortController();

  constructor(
    private readonly jobs: MaintenanceJob[],
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  /**
   * Resolves once the first run has finished, for a caller that must not go on before it (the service
   * starts with its partitions in place); stop() ends it either way.
   */
  start(): Promise<void> {
    this.timer = setInterval(() => void this.run(), this.intervalMs);
    // The timer alone must not keep the process alive.
    this.timer.unref();
    return this.run();
  }

  /**
   * Stops the timer, tells a run in progress to stop after its current step, and waits for it, so the
   * database can close after it without a backlog holding the shutdown.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.running;
  }

  private run(): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.resolve();
    // A run slower than the interval is not doubled up; a tick that finds one still going leaves it be.
    this.running ??= this.runJobs().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runJobs(): Promise<void> {
    const { signal } = this.stopping;
    for (const job of this.jobs) {
      if (signal.aborted) return;
      try {
        const { changed, details } = await job.run(signal);
        this.logger[changed ? 'info' : 'debug']({ [job.name]: details ?? changed }, `${job.name} maintained`);
      } catch (error: unknown) {
        // A lock it gave up waiting for (a VACUUM on a partition, say) is the job standing aside as it
        // should, to be tried again next run; anything else is a failure worth an operator's look.
        if (isLockNotAvailable(error))
          this.logger.warn(`${job.name} stood aside: a table it locks is busy; next run retries`);
        else this.logger.error({ err: error }, `${job.name} maintenance failed`);
      }
    }
  }
}
