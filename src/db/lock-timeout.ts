import type { DataSource, EntityManager } from 'typeorm';
import { sql } from './sql';

/** lock_not_available: a lock wait reached the transaction's lock_timeout and was given up. */
const LOCK_NOT_AVAILABLE = '55P03';

/** Whether `error` (as pg raises it, or wrapped by TypeORM) is a lock wait given up at lock_timeout. */
export function isLockNotAvailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  return code === LOCK_NOT_AVAILABLE || driverError?.code === LOCK_NOT_AVAILABLE;
}

/** deadlock_detected: two transactions waited on each other and this one was chosen to give way. */
const DEADLOCK_DETECTED = '40P01';

const codeOf = (error: unknown): unknown => {
  if (!error || typeof error !== 'object') return undefined;
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  return code ?? driverError?.code;
};

/** For this transaction only; a lock not granted by then fails the statement waiting for it. */
const LOCK_TIMEOUT = sql`SELECT set_config('lock_timeout', $1, true)`;

/** Runs of a transaction that keeps finding its lock busy, the first included, before the caller hears of it. */
const LOCK_ATTEMPTS = 3;

/**
 * Runs `work` in a transaction of `connection` whose every lock wait ends after `lockTimeoutMs`: a
 * table lock the service takes holds back the readings queued behind it for no longer. When one was
 * given up, it runs again after a pause (the lock timeout, then twice it) in which those readings go
 * through; the last failure goes to the caller, who leaves the work to a later run.
 */
export async function lockBoundedTransaction<T>(
  connection: DataSource | EntityManager,
  lockTimeoutMs: number,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  for (let run = 1; ; run++) {
    try {
      return await connection.transaction(async (manager) => {
        await manager.query(LOCK_TIMEOUT, [`${lockTimeoutMs}ms`]);
        return work(manager);
      });
    } catch (error) {
      // A deadlock's loser is run again too: its rival has its locks and will be done by then.
      const retryable = isLockNotAvailable(error) || codeOf(error) === DEADLOCK_DETECTED;
      if (run >= LOCK_ATTEMPTS || !retryable) throw error;
      await new Promise((resolve) => setTimeout(resolve, lockTimeoutMs * 2 ** (run - 1)));
    }
  }
}
