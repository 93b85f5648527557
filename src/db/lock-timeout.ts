/** lock_not_available: a lock wait reached the transaction's lock_timeout and was given up. */
const LOCK_NOT_AVAILABLE = '55P03';

/** Whether `error` (as pg raises it, or wrapped by TypeORM) is a lock wait given up at lock_timeout. */
export function isLockNotAvailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  return code === LOCK_NOT_AVAILABLE || driverError?.code === LOCK_NOT_AVAILABLE;
}

export interface LockBackoff {
  /** Runs in all, the first included. */
  attempts: number;
  /** The wait after the first failed run; it doubles after each further one. */
  backoffMs: number;
}

/**
 * Runs `attempt`, a transaction that takes a table lock with a short lock_timeout, again after a pause
 * each time it gives its lock up: the writers it held back get the pause to go through. The last
 * failure goes to the caller.
 */
export async function retryLockWaits<T>(attempt: () => Promise<T>, { attempts, backoffMs }: LockBackoff): Promise<T> {
  for (let run = 1; ; run++) {
    try {
      return await attempt();
    } catch (error) {
      if (run >= attempts || !isLockNotAvailable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (run - 1)));
    }
  }
}
