import { ServiceUnavailableError } from '../errors/problem';

export interface GroupCommitOptions {
  /** How long the first waiting item may wait for company. */
  maxWaitMs: number;
  /** A group this large is written at once; no group is larger. */
  maxItems: number;
  /**
   * Groups being written at the same time. While that many are in flight, new items keep gathering
   * and go out as soon as one finishes, so groups grow with load instead of queueing for connections.
   */
  maxConcurrent: number;
  /**
   * Items waiting for a group. Past this many a new item is refused at once with QueueFullError, so a
   * stalled store costs a bounded amount of memory and callers learn to back off instead of waiting.
   */
  maxWaiting: number;
  /**
   * Whether the items of a failed group are worth writing one by one; by default they are. A failure
   * that is not about any item (the store is down) fails them all with the group's error instead.
   */
  retryAlone?: (error: unknown) => boolean;
  onFlush?: (size: number) => void;
  onRefused?: () => void;
}

/** The waiting line is full; the item was not taken. */
export class QueueFullError extends ServiceUnavailableError {
  constructor(readonly maxWaiting: number) {
    super(`${maxWaiting} readings are already waiting to be written; retry shortly.`, 1);
  }
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers items submitted concurrently into one call of `write`, which answers per item in order.
 * Each submitter is answered only when that call has settled, so an answer still means "committed".
 * When the shared call fails, each item is retried on its own: one bad item must not turn its
 * neighbours' valid readings into errors.
 */
export class GroupCommitter<T, R> {
  private waiting: Array<Waiting<T, R>> = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(item: T): Promise<R> {
    if (this.waiting.length >= this.options.maxWaiting) {
      this.options.onRefused?.();
      return Promise.reject(new QueueFullError(this.options.maxWaiting));
    }
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.waiting.length >= this.options.maxItems) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
    });
  }

  /** Resolves once every item submitted so far has been answered, whatever the concurrency limit. */
  async drain(): Promise<void> {
    while (this.waiting.length > 0 || this.inFlight.size > 0) {
      this.flush(true);
      await Promise.race(this.inFlight);
    }
  }

  private flush(force = false): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.length === 0) return;
    // The group in flight will pick these up when it finishes.
    if (!force && this.inFlight.size >= this.options.maxConcurrent) return;
    const group = this.waiting.splice(0, this.options.maxItems);
    this.options.onFlush?.(group.length);
    const done: Promise<void> = this.writeGroup(group).finally(() => {
      this.inFlight.delete(done);
      this.flush();
    });
    this.inFlight.add(done);
  }

  private async writeGroup(group: Array<Waiting<T, R>>): Promise<void> {
    try {
      const results = await this.write(group.map((waiting) => waiting.item));
      group.forEach((waiting, index) => waiting.resolve(results[index]));
    } catch (error) {
      if (group.length === 1 || !(this.options.retryAlone?.(error) ?? true)) {
        for (const waiting of group) waiting.reject(error);
        return;
      }
      // One after another, in the slot the group holds: a failed group must not take more than its
      // share of maxConcurrent, least of all while the store is struggling.
      for (const waiting of group) {
        try {
          const [result] = await this.write([waiting.item]);
          waiting.resolve(result);
        } catch (single) {
          waiting.reject(single);
        }
      }
    }
  }
}
