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
  onFlush?: (size: number) => void;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers items submitted concurrently into one call of `write`, which answers per item in order.
 * Each submitter is answered only when that call has settled, so an answer still means "committed".
 * When the shared call fails, each item is retried on its own: one bad item (or a lost deadlock)
 * must not turn its neighbours' valid readings into errors.
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
      if (group.length === 1) {
        group[0].reject(error);
        return;
      }
      await Promise.all(
        group.map(async (waiting) => {
          try {
            const [result] = await this.write([waiting.item]);
            waiting.resolve(result);
          } catch (single) {
            waiting.reject(single);
          }
        }),
      );
    }
  }
}
