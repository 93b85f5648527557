import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createClient } from 'redis';
import request from 'supertest';
import { createApp } from '../../src/app';
import { openRedis } from '../../src/rate-limit/rate-limit.redis';
import { buildServices } from '../../src/services';
import { openPools } from '../../src/db/pools';
import { meterReading } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';

// The local Redis the CI script makes sure of; a prefix of its own keeps runs from sharing counters.
const REDIS_URL = 'redis://127.0.0.1:6379';
const PREFIX = `fleet-test:${randomUUID()}:`;
const logger = pino({ level: 'silent' });

let first: TestApp;
afterAll(async () => {
  await first?.close();
  const admin = createClient({ url: REDIS_URL });
  await admin.connect();
  const keys = await admin.keys(`${PREFIX}*`);
  if (keys.length > 0) await admin.del(keys);
  await admin.close();
});

describe('with REDIS_URL', () => {
  it('two replicas over one database share one budget per key', async () => {
    first = await createTestApp({ REDIS_URL, RATE_LIMIT_REDIS_PREFIX: PREFIX, RATE_LIMIT_MAX: '4' });
    // A second process of the same service: its own services, key cache and Redis connection.
    const redis = await openRedis(first.config.rateLimit, logger);
    const pools = await openPools(first.db.dataSource, first.config);
    const second = createApp({ config: first.config, logger, services: buildServices(pools, first.config), redis });
    try {
      const { key } = await first.services.auth.create('depot-7', 'ingest');
      const post = (app: typeof second) =>
        request(app).post('/v1/ingestion/meter').set('Authorization', `Bearer ${key}`).send(meterReading());

      const remaining = [];
      for (const app of [first.app, second, first.app, second]) {
        remaining.push((await post(app).expect(201)).headers['ratelimit-remaining']);
      }
      expect(remaining).toEqual(['3', '2', '1', '0']);
      const refused = await post(second).expect(429);
      expect(refused.body.type).toBe('/problems/rate-limited');
      await post(first.app).expect(429);
    } finally {
      await redis?.close();
      await pools.close();
    }
  });

  it('if Redis goes away while running, requests pass unlimited rather than fail', async () => {
    const rateLimit = { ...first.config.rateLimit, max: 1, redisPrefix: `${PREFIX}outage:` };
    const redis = await openRedis(rateLimit, logger);
    const app = createApp({ config: { ...first.config, rateLimit }, logger, services: first.services, redis });
    const { key } = await first.services.auth.create('dashboard', 'read');
    const get = () => request(app).get('/v1/meters/M-1').set('X-API-Key', key);
    await get().expect(404);
    await get().expect(429);
    await redis?.close();
    const res = await get().expect(404);
    expect(res.headers).not.toHaveProperty('ratelimit-limit');
  });

  it('an unreachable Redis at boot stops the start with a clear message', async () => {
    await expect(openRedis({ ...first.config.rateLimit, redisUrl: 'redis://127.0.0.1:1' }, logger)).rejects.toThrow(
      /Redis \(REDIS_URL\) did not answer/,
    );
  });
});
