import { ServiceUnavailableError, TooManyRequestsError } from '../errors/problem';

export interface ExportSlotLimits {
  /** CSV exports running at once in this process. */
  maxConcurrent: number;
  /** CSV exports one caller may run at once. */
  maxPerKey: number;
}

/**
 * A running export ends whenever its client has read the file, so there is no time to promise: the
 * client is told to try again shortly, by when a slot has often come free.
 */
const RETRY_AFTER_SECONDS = 5;

/**
 * The CSV exports running in this process, in all and per caller. Each holds a database connection
 * for as long as its client reads, so one more is refused at once rather than queued for a
 * connection. A caller at its own bound is told so (429) even when the process is full as well
 * (503): its own exports ending is what it can wait for.
 */
export class ExportSlots {
  private running = 0;
  private readonly byCaller = new Map<string, number>();

  constructor(private readonly limits: ExportSlotLimits) {}

  /** Takes a slot for `caller`, or throws the problem that refuses it; the returned function gives it back, once. */
  take(caller: string): () => void {
    const mine = this.byCaller.get(caller) ?? 0;
    if (mine >= this.limits.maxPerKey) {
      throw new TooManyRequestsError(
        `This client already runs ${mine} CSV exports, the most it may run at once; retry when one has ended.`,
        RETRY_AFTER_SECONDS,
      );
    }
    if (this.running >= this.limits.maxConcurrent) {
      throw new ServiceUnavailableError(
        `${this.running} CSV exports are running, the most this service runs at once; retry shortly.`,
        RETRY_AFTER_SECONDS,
      );
    }
    this.running += 1;
    this.byCaller.set(caller, mine + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.running -= 1;
      const left = (this.byCaller.get(caller) ?? 1) - 1;
      if (left === 0) this.byCaller.delete(caller);
      else this.byCaller.set(caller, left);
    };
  }
}
