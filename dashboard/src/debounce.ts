// Kept free of the DOM so that it can be tested on its own.

export interface Debounced {
  /** Asks for a run: it comes once the calls stop for a moment. */
  schedule(): void;
  /** No run after this one, scheduled or asked for later. */
  cancel(): void;
}

/**
 * Runs `run` once a burst of schedule() calls has been quiet for `waitMs`, and at the latest `maxWaitMs`
 * after the burst began, so that a steady trickle of calls cannot put it off for ever. Never two runs at
 * once: a call during a run gets one more run after it. A run that fails is the caller's to report.
 */
export function debounced(run: () => Promise<void>, waitMs: number, maxWaitMs = 4 * waitMs): Debounced {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let burstStart: number | undefined;
  let running = false;
  let again = false;
  let cancelled = false;

  const fire = () => {
    timer = undefined;
    burstStart = undefined;
    if (cancelled) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    run()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          fire();
        }
      });
  };

  return {
    schedule() {
      if (cancelled) return;
      const now = Date.now();
      burstStart ??= now;
      clearTimeout(timer);
      timer = setTimeout(fire, Math.max(0, Math.min(waitMs, burstStart + maxWaitMs - now)));
    },
    cancel() {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}
