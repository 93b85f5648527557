/**
 * Errors that mean "the database cannot serve us right now" rather than "this request is wrong":
 * socket failures, server shutdown or startup, too many connections, a statement cancelled by
 * statement_timeout, and pg's own pool timeout. They are worth a retry later, hence 503.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '53300', // too_many_connections
  '57014', // query_canceled (statement_timeout)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);

const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Connection refused|connection error/i;

/**
 * Failures that say nothing about the work itself: a concurrent transaction was in the way, and the
 * same transaction run again at once is expected to go through.
 */
const TRANSIENT_CODES = new Set([
  '40P01', // deadlock_detected: the other transaction won and has moved on
  '40001', // serialization_failure
  '55P03', // lock_not_available (lock_timeout)
  '57P01', // admin_shutdown: this backend was terminated; the pool hands out a fresh connection
]);

/** check_violation: a partition bound, unlike a CHECK or domain constraint, has no constraint name. */
const CHECK_VIOLATION = '23514';

interface ErrorShape {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  driverError?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** Whether `error` or anything it wraps passes `test`. */
function anyInChain(error: unknown, test: (candidate: ErrorShape) => boolean): boolean {
  const seen = new Set<unknown>();
  // TypeORM wraps driver errors (driverError); Node wraps socket errors (cause, AggregateError.errors).
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const candidate = queue.shift();
    if (!candidate || typeof candidate !== 'object' || seen.has(candidate)) continue;
    seen.add(candidate);
    const shape = candidate as ErrorShape;
    if (test(shape)) return true;
    const nested: unknown[] = Array.isArray(shape.errors) ? shape.errors : [];
    queue.push(shape.driverError, shape.cause, ...nested);
  }
  return false;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return anyInChain(
    error,
    ({ code, message }) =>
      (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) ||
      (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)),
  );
}

/**
 * A lost deadlock, a serialization failure, a lock timeout, a terminated backend, or a row refused by
 * a partition bound: the last happens when a reading was routed to the default partition just before
 * partition maintenance attached the partition covering it, and routes correctly when written again.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  return anyInChain(
    error,
    ({ code, constraint }) =>
      typeof code === 'string' && (TRANSIENT_CODES.has(code) || (code === CHECK_VIOLATION && constraint === undefined)),
  );
}

/**
 * A reading's write touches six partitioned tables (history and its hourly and daily rollups, for
 * meters and vehicles), and partition maintenance attaches partitions to each in turn: a write may meet
 * a refused partition bound, or a deadlock, on one table and then on the next.
 */
const TRANSIENT_ATTEMPTS = 3;

/**
 * Runs an idempotent transaction, and again when it fails transiently (isTransientDatabaseError), up
 * to TRANSIENT_ATTEMPTS runs in all. Only for work that may safely run more than once: the last
 * failure goes to the caller, answered as a 503.
 */
export async function retryIfTransient<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= TRANSIENT_ATTEMPTS || !isTransientDatabaseError(error)) throw error;
    }
  }
}
