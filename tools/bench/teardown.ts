/**
 * What the bench started, undone in reverse order: the service before the database it writes to, the
 * database before the server it lives on. Every step runs once, even if an earlier one failed, so a
 * crash or Ctrl-C still drops the bench database and stops the servers.
 */
export class Teardown {
  private readonly steps: Array<{ name: string; run: () => Promise<unknown> }> = [];
  private running: Promise<void> | undefined;

  readonly defer = (name: string, run: () => Promise<unknown>): void => {
    this.steps.push({ name, run });
  };

  /** The same unwinding for every caller: the end of the run, a signal, a crash. */
  run(): Promise<void> {
    this.running ??= this.unwind();
    return this.running;
  }

  private async unwind(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.run();
      } catch (error) {
        console.error(`bench: could not ${step.name}:`, error);
      }
    }
  }
}

export type Defer = Teardown['defer'];

/**
 * Runs a bench's main function and exits with its code, unwinding what it started on every way out:
 * the end of the run, a failure, SIGINT/SIGTERM, or an uncaught error (a connection lost under a
 * checked-out pg client surfaces as an 'error' event with no listener).
 */
export function runBench(main: (teardown: Teardown) => Promise<number>): void {
  const teardown = new Teardown();
  const abort = (code: number) => void teardown.run().finally(() => process.exit(code));
  process.once('SIGINT', () => abort(130));
  process.once('SIGTERM', () => abort(143));
  process.on('uncaughtException', (error) => {
    console.error('bench failed:', error);
    abort(2);
  });
  // Cannot reject: a failure of main becomes code 2, and the teardown reports its steps' failures itself.
  void main(teardown)
    .catch((error: unknown) => {
      console.error('bench failed:', error);
      return 2;
    })
    .then(async (code) => {
      await teardown.run();
      process.exit(code);
    });
}
