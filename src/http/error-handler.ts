import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { fromClientError } from './client-errors';
import { isDatabaseUnavailable, isTransientDatabaseError } from '../db/db-errors';
import { NotFoundError, ProblemError, ServiceUnavailableError } from '../errors/problem';

const PROBLEM_JSON = 'application/problem+json';

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No route for ${req.method} ${req.path}.`));
};

function fromDatabase(error: unknown): ProblemError | undefined {
  if (isDatabaseUnavailable(error)) return new ServiceUnavailableError('The database is unavailable; retry later.');
  // Reached only after an idempotent write has had its one retry, or at once for the others.
  if (isTransientDatabaseError(error)) {
    return new ServiceUnavailableError('The database was busy with conflicting work; retry later.', 1);
  }
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    const problem = error instanceof ProblemError ? error : (fromClientError(error) ?? fromDatabase(error));
    // The request's own logger carries its id; an app that does not observe requests has none.
    const log = (req.log as Logger | undefined) ?? logger;
    if (!problem) {
      log.error({ err: error, method: req.method, url: req.originalUrl }, 'unhandled error');
    } else if (problem !== error && problem.status === 503) {
      // Only a database error mapped here: a 503 thrown on purpose has logged its own cause, if any.
      log.warn({ err: error }, 'database unavailable');
    }
    const reported =
      problem ?? new ProblemError(500, 'internal-error', 'Internal server error', 'An unexpected error occurred.');
    // Too late for a problem body; Express closes the connection.
    if (res.headersSent) return next(error);
    res
      .status(reported.status)
      .set(reported.headers)
      .type(PROBLEM_JSON)
      .send(
        JSON.stringify({
          type: reported.type,
          title: reported.title,
          status: reported.status,
          detail: reported.message,
          instance: req.originalUrl,
          ...reported.extensions,
        }),
      );
  };
}
