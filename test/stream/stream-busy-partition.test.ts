import request from 'supertest';
import {
  expectOnlyHistoryLockWaitedFor,
  heldLikeVacuum,
  ingestingMeanwhile,
  lockWaiters,
  watchLockWaits,
} from '../support/busy-table';
import { meterReading, uniqueId } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';
import { listening, SseClient } from './sse-client';

/** The first stream client after a quiet spell, while maintenance holds a partition of history. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('following the stream beside a busy history partition', () => {
  it('answers 503 with Retry-After once the follow mark gives its lock up, stores readings meanwhile, and lets the client in once the partition is free', async () => {
    const held = await heldLikeVacuum(t.db.dataSource, 'meter_history_default');
    const watching = watchLockWaits(t.db.dataSource);
    const ingesting = ingestingMeanwhile(t.app);

    const refused = await request(t.app).get('/v1/stream');
    // Asked again at once: turned away without holding readings back again.
    const again = await request(t.app).get('/v1/stream');

    expect(refused.status).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(again.status).toBe(503);
    expect(new Set(await ingesting.stop())).toEqual(new Set([201]));
    expectOnlyHistoryLockWaitedFor(held, await watching());
    // Given up, not queued: nothing waits behind the busy partition now.
    expect(await lockWaiters(t.db.dataSource)).toEqual([]);

    await held.release();
    await new Promise((resolve) => setTimeout(resolve, Number(refused.headers['retry-after']) * 1_000));
    const server = await listening(t.app);
    const meterId = uniqueId('MTR');
    const client = await SseClient.open(`${server.url}/v1/stream?meterId=${meterId}`);
    try {
      expect(client.response.status).toBe(200);
      const timestamp = new Date(Date.now() - 30_000).toISOString();
      await request(t.app).post('/v1/ingestion/meter').send(meterReading({ meterId, timestamp })).expect(201);
      expect((await client.nextEvent()).data.timestamp).toBe(timestamp);
    } finally {
      client.close();
      await server.close();
    }
  });
});
