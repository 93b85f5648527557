import net from 'node:net';
import request from 'supertest';
import { meterReading, uniqueId } from '../support/factories';
import { testAppsClosedAfterAll, type TestApp } from '../support/test-app';
import { listening, SseClient } from './sse-client';

const testApp = testAppsClosedAfterAll();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(t: TestApp): Promise<string> {
  const server = await listening(t.app);
  cleanups.push(() => server.close());
  return server.url;
}

async function open(url: string): Promise<SseClient> {
  const client = await SseClient.open(`${url}/v1/stream`);
  cleanups.push(() => client.close());
  return client;
}

/** A stream client that takes the head of its answer and never reads again. */
async function neverReading(url: string) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  cleanups.push(() => socket.destroy());
  socket.on('error', () => undefined);
  socket.write(`GET /v1/stream HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
  const head = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
  socket.pause();
  expect(head.toString('latin1')).toMatch(/^HTTP\/1\.1 200/);
  return {
    /** Whether the service has cut the connection, which the client only learns by reading again. */
    cutOff: () => {
      socket.resume();
      return until(() => socket.destroyed).then(
        () => true,
        () => false,
      );
    },
  };
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not seen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('stream clients are bounded', () => {
  it('answers the client past STREAM_MAX_CLIENTS 503 with Retry-After and streams it nothing', async () => {
    const t = await testApp({ STREAM_MAX_CLIENTS: '2' });
    const url = await serve(t);
    await open(url);
    await open(url);

    const refused = await open(url);
    expect(refused.response.status).toBe(503);
    expect(refused.response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.response.json()).toMatchObject({ type: '/problems/service-unavailable', status: 503 });
    expect(t.services.stream.clientCount).toBe(2);
  });

  it('counts clients down to zero as they leave, and takes new ones in their place', async () => {
    const t = await testApp({ STREAM_MAX_CLIENTS: '2' });
    const url = await serve(t);
    const clients = [await open(url), await open(url)];
    expect(t.services.stream.clientCount).toBe(2);
    clients.forEach((client) => client.close());
    await until(() => t.services.stream.clientCount === 0);

    expect((await open(url)).response.status).toBe(200);
    expect((await open(url)).response.status).toBe(200);
  });

  it('past STREAM_BUFFER_BUDGET_BYTES drops the clients that do not read, furthest behind first, while a reading client keeps receiving', async () => {
    const t = await testApp({ STREAM_BUFFER_BUDGET_BYTES: String(1024 * 1024) });
    const url = await serve(t);
    const reading = await open(url);
    const meterId = uniqueId('MTR');
    const start = Date.now() - 2 * 86_400_000;
    let sent = 0;
    // Thousands of events per batch: the kernel takes megabytes for a client before any are queued here.
    const postBatch = async () => {
      const batch = Array.from({ length: 5_000 }, () =>
        meterReading({ meterId, timestamp: new Date(start + sent++ * 1_000).toISOString() }),
      );
      await request(t.app).post('/v1/ingestion/batch').send(batch).expect(201);
    };
    // A reading of its own device, which the reading client receives after everything posted before it.
    const received = async () => {
      const marker = uniqueId('MTR');
      await request(t.app)
        .post('/v1/ingestion/meter')
        .send(meterReading({ meterId: marker }))
        .expect(201);
      await reading.next((frame) => frame.data?.includes(marker) === true, 30_000);
    };
    const postUntilClients = async (count: number) => {
      for (let batches = 0; t.services.stream.clientCount > count; batches++) {
        if (batches === 40) throw new Error(`still ${t.services.stream.clientCount} clients`);
        await postBatch();
        await received();
      }
    };

    const furthestBehind = await neverReading(url);
    for (let i = 0; i < 3; i++) await postBatch();
    await received();
    const lessBehind = await neverReading(url);

    await postUntilClients(2);
    expect(await furthestBehind.cutOff()).toBe(true);

    await postUntilClients(1);
    expect(await lessBehind.cutOff()).toBe(true);
    await received();
    expect(t.services.stream.clientCount).toBe(1);
  });
});
