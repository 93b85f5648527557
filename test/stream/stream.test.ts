import request from 'supertest';
import { meterReading, minutesAgo, uniqueId, vehicleReading } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';
import { listening, SseClient } from './sse-client';

let t: TestApp;
let server: Awaited<ReturnType<typeof listening>>;
const clients: SseClient[] = [];

beforeAll(async () => {
  t = await createTestApp();
  server = await listening(t.app);
});
afterEach(() => clients.splice(0).forEach((client) => client.close()));
afterAll(async () => {
  await server.close();
  await t.close();
});

async function stream(query = '', headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await SseClient.open(`${server.url}/v1/stream${query}`, headers);
  clients.push(client);
  return client;
}

const post = (kind: 'meter' | 'vehicle' | 'batch', body: object) =>
  request(t.app).post(`/v1/ingestion/${kind}`).send(body);

describe('GET /v1/stream', () => {
  it('answers an event stream that nothing buffers', async () => {
    const client = await stream();
    expect(client.response.status).toBe(200);
    expect(client.response.headers.get('content-type')).toBe('text/event-stream');
    expect(client.response.headers.get('cache-control')).toBe('no-cache');
    expect(client.response.headers.get('x-accel-buffering')).toBe('no');
  });

  it('sends a stored reading once its POST is answered, in the documented shape', async () => {
    const meterId = uniqueId('MTR');
    const client = await stream(`?meterId=${meterId}`);
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000);
    // The same instant written at +01:00: the stream tells it in UTC.
    const zoned = new Date(at.getTime() + 3_600_000).toISOString().replace(/\.000Z$/, '+01:00');
    const reading = meterReading({ meterId, timestamp: zoned });
    await post('meter', reading).expect(201);

    const { id, data } = await client.nextEvent();
    expect(id).toEqual(expect.any(String));
    expect(data).toEqual({
      type: 'meter',
      meterId,
      kwhConsumedAc: reading.kwhConsumedAc,
      voltage: reading.voltage,
      timestamp: at.toISOString(),
    });
  });

  it('sends nothing for a duplicate or a refused reading', async () => {
    const vehicleId = uniqueId('VEH');
    const client = await stream(`?vehicleId=${vehicleId}`);
    const first = vehicleReading({ vehicleId, timestamp: minutesAgo(3) });
    await post('vehicle', first).expect(201);
    await post('vehicle', first).expect(200);
    await post('vehicle', { ...vehicleReading({ vehicleId }), soc: 101 }).expect(400);
    await post('batch', [first, { ...first, soc: 1 }]).expect(201);
    const last = vehicleReading({ vehicleId, timestamp: minutesAgo(1) });
    await post('vehicle', last).expect(201);

    expect((await client.nextEvent()).data.timestamp).toBe(new Date(first.timestamp).toISOString());
    // Events arrive in commit order: the next one after the first is the last reading, nothing between.
    expect((await client.nextEvent()).data).toEqual({ type: 'vehicle', ...last });
  });

  it('sends every stored reading of a batch too large for one notification', async () => {
    const vehicleId = uniqueId('VEH');
    const client = await stream(`?vehicleId=${vehicleId}`);
    const start = Date.now() - 3 * 3_600_000;
    const batch = Array.from({ length: 1_500 }, (_, i) =>
      vehicleReading({ vehicleId, soc: i % 100, timestamp: new Date(start + i * 1_000).toISOString() }),
    );
    await post('batch', batch).expect(201);
    const received = [];
    for (let i = 0; i < batch.length; i++) received.push((await client.nextEvent()).data.timestamp);
    expect(new Set(received).size).toBe(batch.length);
  });

  it('with filters, sends only the devices asked for', async () => {
    const [vehicleId, meterId] = [uniqueId('VEH'), uniqueId('MTR')];
    const both = await stream(`?vehicleId=${vehicleId}&meterId=${meterId}`);
    const vehicleOnly = await stream(`?vehicleId=${vehicleId}`);
    await post('batch', [
      meterReading({ timestamp: minutesAgo(6) }),
      vehicleReading({ timestamp: minutesAgo(6) }),
      meterReading({ meterId, timestamp: minutesAgo(5) }),
      vehicleReading({ vehicleId, timestamp: minutesAgo(4) }),
    ]).expect(201);

    const seenByBoth = [await both.nextEvent(), await both.nextEvent()].map(
      ({ data }) => data.meterId ?? data.vehicleId,
    );
    expect(seenByBoth.sort()).toEqual([meterId, vehicleId].sort());
    expect((await vehicleOnly.nextEvent()).data.vehicleId).toBe(vehicleId);
  });

  it('refuses bad filters and unknown parameters with a problem', async () => {
    for (const query of ['?vehicleId=no%20spaces', '?meterId=', '?vehicle=V-1', '?meterId=a&meterId=b']) {
      const res = await request(t.app).get(`/v1/stream${query}`).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.type).toBe('/problems/validation-error');
    }
  });

  it('resumes after Last-Event-ID with exactly the events missed', async () => {
    const meterId = uniqueId('MTR');
    const first = await stream(`?meterId=${meterId}`);
    await post('meter', meterReading({ meterId, timestamp: minutesAgo(9) })).expect(201);
    const { id } = await first.nextEvent();
    first.close();

    const missed = [minutesAgo(8), minutesAgo(7)];
    for (const timestamp of missed) await post('meter', meterReading({ meterId, timestamp })).expect(201);
    const again = await stream(`?meterId=${meterId}`, { 'Last-Event-ID': id as string });
    expect((await again.nextEvent()).data.timestamp).toBe(missed[0]);
    expect((await again.nextEvent()).data.timestamp).toBe(missed[1]);
    const live = minutesAgo(6);
    await post('meter', meterReading({ meterId, timestamp: live })).expect(201);
    expect((await again.nextEvent()).data.timestamp).toBe(live);
  });

  it('tells a client whose Last-Event-ID is not kept to reload, then follows on', async () => {
    const meterId = uniqueId('MTR');
    const client = await stream(`?meterId=${meterId}`, { 'Last-Event-ID': 'gone.0' });
    const reset = await client.nextEvent('reset');
    expect(reset.data).toEqual({ reason: expect.any(String) });
    await post('meter', meterReading({ meterId })).expect(201);
    expect((await client.nextEvent()).data.meterId).toBe(meterId);
  });

  it('forgets a client that disconnects', async () => {
    const client = await stream();
    expect(t.services.stream.clientCount).toBeGreaterThanOrEqual(1);
    const before = t.services.stream.clientCount;
    client.close();
    for (let tries = 0; t.services.stream.clientCount >= before && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(t.services.stream.clientCount).toBe(before - 1);
  });
});
