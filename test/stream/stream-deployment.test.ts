import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app';
import { buildServices } from '../../src/services';
import { openPools } from '../../src/db/pools';
import { meterReading, minutesAgo, uniqueId } from '../support/factories';
import { testAppsClosedAfterAll, type TestApp } from '../support/test-app';
import { listening, SseClient } from './sse-client';

const testApp = testAppsClosedAfterAll();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(t: Pick<TestApp, 'app'>) {
  const server = await listening(t.app);
  cleanups.push(() => server.close());
  return {
    open: async (query = '', headers: Record<string, string> = {}) => {
      const client = await SseClient.open(`${server.url}/v1/stream${query}`, headers);
      cleanups.push(() => client.close());
      return client;
    },
  };
}

describe('the stream as deployed', () => {
  it('sends a keep-alive comment every STREAM_KEEPALIVE_MS', async () => {
    const stream = await serve(await testApp({ STREAM_KEEPALIVE_MS: '50' }));
    const started = Date.now();
    const client = await stream.open();
    await client.next((frame) => frame.comment === 'keep-alive', 2_000);
    await client.next((frame) => frame.comment === 'keep-alive', 2_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('a reading posted to one replica reaches a client of another, and its id resumes on either', async () => {
    const first = await testApp();
    // Another process of the service over the same database: its own services and listener.
    const pools = await openPools(first.db.dataSource, first.config);
    const services = buildServices(pools, first.config);
    cleanups.push(() => services.stream.close().then(() => pools.close()));
    const second = { app: createApp({ config: first.config, logger: pino({ level: 'silent' }), services }) };
    // As at boot: the first replica listens before any client of its own arrives.
    await first.services.stream.listen();

    const meterId = uniqueId('MTR');
    const onSecond = await (await serve(second)).open(`?meterId=${meterId}`);
    await request(first.app).post('/v1/ingestion/meter').send(meterReading({ meterId })).expect(201);
    const { id } = await onSecond.nextEvent();
    onSecond.close();

    const missed = minutesAgo(2);
    await request(second.app)
      .post('/v1/ingestion/meter')
      .send(meterReading({ meterId, timestamp: missed }))
      .expect(201);
    const onFirst = await (await serve(first)).open(`?meterId=${meterId}`, { 'Last-Event-ID': id as string });
    expect((await onFirst.nextEvent()).data.timestamp).toBe(missed);
  });

  it('keeps STREAM_REPLAY_EVENTS events; a client further behind is told to reload', async () => {
    const t = await testApp({ STREAM_REPLAY_EVENTS: '2' });
    const meterId = uniqueId('MTR');
    const stream = await serve(t);
    const client = await stream.open(`?meterId=${meterId}`);
    const post = (minutes: number) =>
      request(t.app)
        .post('/v1/ingestion/meter')
        .send(meterReading({ meterId, timestamp: minutesAgo(minutes) }))
        .expect(201);
    await post(9);
    const { id } = await client.nextEvent();
    for (const minutes of [8, 7, 6]) await post(minutes);
    const newest = (await client.nextEvent(), await client.nextEvent(), await client.nextEvent()).id;

    const behind = await stream.open(`?meterId=${meterId}`, { 'Last-Event-ID': id as string });
    const reset = await behind.next((frame) => frame.event !== undefined);
    expect(reset.event).toBe('reset');
    // The reset carries the newest id, so the client resumes from there if it drops again.
    expect(reset.id).toBe(newest);
  });

  it('asks for a key when keys exist, and takes it in a header', async () => {
    const t = await testApp();
    const { key: read } = await t.services.auth.create('dashboard', 'read');
    const { key: ingest } = await t.services.auth.create('depot', 'ingest');
    const stream = await serve(t);

    const anonymous = await stream.open();
    expect(anonymous.response.status).toBe(401);
    expect(await anonymous.response.json()).toMatchObject({ type: '/problems/unauthorized' });
    expect((await stream.open('', { 'X-API-Key': ingest })).response.status).toBe(403);
    const bearer = await stream.open('', { Authorization: `Bearer ${read}` });
    expect(bearer.response.status).toBe(200);
    expect(bearer.response.headers.get('content-type')).toBe('text/event-stream');
  });

  it('turned off, answers 404 and ingestion carries on', async () => {
    const t = await testApp({ STREAM_ENABLED: 'false' });
    const res = await request(t.app).get('/v1/stream').expect(404);
    expect(res.body.detail).toMatch(/STREAM_ENABLED=false/);
    await request(t.app).post('/v1/ingestion/meter').send(meterReading()).expect(201);
  });
});
