import request from 'supertest';
import { createApp } from '../../src/app';
import pino from 'pino';
import { buildServices } from '../../src/services';
import { createTestApp, type TestApp } from '../support/test-app';
import { createIsolatedDatabase } from '../support/test-database';

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

  it('GET /readyz answers 503 problem with Retry-After when the database is gone', async () => {
    const db = await createIsolatedDatabase(t.config);
    const app = createApp({ config: t.config, logger: pino({ level: 'silent' }), services: buildServices(db.dataSource, t.config) });
    await db.drop();
    const res = await request(app).get('/readyz').expect(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.body).toMatchObject({ status: 503, type: '/problems/service-unavailable' });
  });
});
