import { Router } from 'express';
import type { DataSource } from 'typeorm';
import { ServiceUnavailableError } from '../errors/problem';
import { HealthRepository } from './health.repository';

const READY_TIMEOUT_MS = 2_000;

class ReadinessTimeoutError extends Error {
  constructor() {
    super(`the database did not answer within ${READY_TIMEOUT_MS} ms`);
  }
}

export function healthRouter(dataSource: DataSource): Router {
  const health = new HealthRepository(dataSource);
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ReadinessTimeoutError()), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([health.ping(), timeout]);
    } catch (error) {
      // The cause is for operators (the app's request logger, with the request id); a probe or an
      // anonymous caller learns only that the database is out of reach, nothing of the server.
      req.log.warn({ err: error }, 'readiness check failed: database not reachable');
      throw new ServiceUnavailableError('The database is not reachable.');
    } finally {
      clearTimeout(timer);
    }
    res.json({ status: 'ready' });
  });
  return router;
}
