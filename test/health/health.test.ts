import request from 'supertest';
import { createApp } from '../../src/app';
import { buildServices } from '../../src/services';
import { openPools } from '../../src/db/pools';
import { createTestApp, type TestApp } from '../support/test-app';
import { createIsolatedDatabase, testConfig } from '../support/test-database';
import { captureLogs } from '../support/log-capture';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('health endpoints', () => {
  it('GET /healthz answers 200 while the process is up', async () => {
    await request(t.app).get('/healthz').expect(200, { status: 'ok' });
  });

  it('GET /readyz answers 200 when the database answers', async () => {
    await request(t.app).get('/readyz').expect(200, { status: 'ready' });
  });

  it('GET /readyz answers a generic 503 problem with Retry-After when the database is gone, and logs the cause', async () => {
    const db = await createIsolatedDatabase(t.config);
    const { logger, lines } = captureLogs('warn');
    const pools = await openPools(db.dataSource, t.config);
    const app = createApp({ config: t.config, logger, services: buildServices(pools, t.config) });
    await pools.close();
    await db.drop();

    const res = await request(app).get('/readyz').set('X-Request-Id', 'ready-probe-1').expect(503);

    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toMatchObject({
      status: 503,
      type: '/problems/service-unavailable',
      detail: 'The database is not reachable.',
    });
    const logged = lines
      .map((line) => JSON.parse(line))
      .find((entry) => entry.msg?.startsWith('readiness check failed'));
    expect(logged).toMatchObject({ level: 40, reqId: 'ready-probe-1', err: { message: expect.any(String) } });
    // What the database said is in the log, and nowhere in the answer.
    expect(res.text).not.toContain(logged.err.message);
  });

  it('GET /readyz answers the same generic 503 when the database does not answer in time', async () => {
    const config = testConfig({ DB_POOL_MAX: '1' });
    const db = await createIsolatedDatabase(config);
    const { logger, lines } = captureLogs('warn');
    const pools = await openPools(db.dataSource, config);
    const app = createApp({ config, logger, services: buildServices(pools, config) });
    // The pool's only connection is taken, so the readiness query waits past its deadline.
    const holder = db.dataSource.createQueryRunner();
    await holder.connect();
    try {
      const res = await request(app).get('/readyz').expect(503);
      expect(res.body).toMatchObject({
        type: '/problems/service-unavailable',
        detail: 'The database is not reachable.',
      });
      expect(lines.join('')).toContain('the database did not answer within 2000 ms');
    } finally {
      await holder.release();
      await pools.close();
      await db.drop();
    }
  });
});
