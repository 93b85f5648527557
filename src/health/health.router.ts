import { Router } from 'express';
import type { DataSource } from 'typeorm';
import { ServiceUnavailableError } from '../errors/problem';

const READY_TIMEOUT_MS = 2_000;

export function healthRouter(dataSource: DataSource): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([dataSource.query('SELECT 1'), timeout]);
    } catch (error) {
      throw new ServiceUnavailableError(`The database is not reachable: ${(error as Error).message}.`);
    } finally {
      clearTimeout(timer);
    }
    res.json({ status: 'ready' });
  });
  return router;
}
