import request from 'supertest';
import { meterReading } from '../support/factories';
import { testAppsClosedAfterAll } from '../support/test-app';

const app = testAppsClosedAfterAll();

describe('rate limiting', () => {
  it('past the budget a caller gets a 429 problem with Retry-After and RateLimit headers', async () => {
    const t = await app({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
    for (const remaining of ['2', '1', '0']) {
      const ok = await request(t.app).post('/v1/ingestion/meter').send(meterReading()).expect(201);
      expect(ok.headers).toMatchObject({
        'ratelimit-limit': '3',
        'ratelimit-remaining': remaining,
        'ratelimit-policy': '3;w=60',
      });
    }
    const res = await request(t.app).post('/v1/ingestion/meter').send(meterReading()).expect(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: '/problems/rate-limited', status: 429, title: 'Too many requests' });
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0' });
    expect(Number(res.headers['ratelimit-reset'])).toBeLessThanOrEqual(60);
    expect(res.headers).not.toHaveProperty('x-ratelimit-limit');
  });

  it('counts per key: one key spending its budget leaves another key on the same address alone', async () => {
    const t = await app({ RATE_LIMIT_MAX: '2' });
    const busy = (await t.services.auth.create('busy-gateway', 'ingest')).key;
    const quiet = (await t.services.auth.create('quiet-gateway', 'ingest')).key;
    const post = (key: string) => request(t.app).post('/v1/ingestion/meter').set('X-API-Key', key).send(meterReading());
    await post(busy).expect(201);
    await post(busy).expect(201);
    await post(busy).expect(429);
    await post(quiet).expect(201);
    // A refused key is turned away before the limiter, so it spends nobody's budget.
    await request(t.app).get('/v1/meters/M-1').set('X-API-Key', 'fp_nope').expect(401);
    await post(quiet).expect(201);
    await post(quiet).expect(429);
  });

  it('a batch is one request, however many readings it holds', async () => {
    const t = await app({ RATE_LIMIT_MAX: '1' });
    const res = await request(t.app)
      .post('/v1/ingestion/batch')
      .send([meterReading(), meterReading(), meterReading()])
      .expect(201);
    expect(res.body.stored).toBe(3);
    expect(res.headers['ratelimit-remaining']).toBe('0');
  });

  it('leaves /healthz and /readyz out', async () => {
    const t = await app({ RATE_LIMIT_MAX: '1' });
    await request(t.app).get('/v1/meters/M-1').expect(404);
    await request(t.app).get('/v1/meters/M-1').expect(429);
    for (const path of ['/healthz', '/readyz', '/healthz']) {
      const res = await request(t.app).get(path).expect(200);
      expect(res.headers).not.toHaveProperty('ratelimit-limit');
    }
  });

  it('RATE_LIMIT_MAX=0 turns limiting off', async () => {
    const t = await app({ RATE_LIMIT_MAX: '0' });
    for (let i = 0; i < 3; i += 1) {
      const res = await request(t.app).get('/v1/meters/M-1').expect(404);
      expect(res.headers).not.toHaveProperty('ratelimit-limit');
    }
  });
});
