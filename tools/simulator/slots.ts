/** Bounded concurrency: submit() waits for a free slot, so a fast producer cannot pile up requests. */
export class Slots {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly size: number) {}

  async submit(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.size) await Promise.race(this.running);
    const running: Promise<void> = task().finally(() => this.running.delete(running));
    this.running.add(running);
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
