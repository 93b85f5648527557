import request from 'supertest';
import { minutesAgo, uniqueId } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';
import { listening, SseClient } from './sse-client';

let t: TestApp;
let server: Awaited<ReturnType<typeof listening>>;
let client: SseClient;

beforeAll(async () => {
  // The devices below report once an hour, so their two readings in two hours are complete figures.
  t = await createTestApp({ EFFICIENCY_ALERT_THRESHOLD: '0.85', READING_INTERVAL_SECONDS: '3600' });
  server = await listening(t.app);
  client = await SseClient.open(`${server.url}/v1/stream`);
});
afterAll(async () => {
  client.close();
  await server.close();
  await t.close();
});

/** A vehicle charged behind a meter from 3 h to 1 h ago: the meter drew 10 kWh, the battery took `dc`. */
async function chargedSession(dc: number, endedInBody = false) {
  const [vehicleId, meterId] = [uniqueId('VEH'), uniqueId('MTR')];
  const [startedAt, endedAt] = [minutesAgo(180), minutesAgo(60)];
  await request(t.app)
    .post('/v1/ingestion/batch')
    .send([
      { meterId, kwhConsumedAc: 6, voltage: 230, timestamp: minutesAgo(150) },
      { meterId, kwhConsumedAc: 4, voltage: 230, timestamp: minutesAgo(120) },
      { vehicleId, soc: 40, kwhDeliveredDc: dc / 2, batteryTemp: 25, timestamp: minutesAgo(150) },
      { vehicleId, soc: 60, kwhDeliveredDc: dc / 2, batteryTemp: 25, timestamp: minutesAgo(120) },
    ])
    .expect(201);
  const session = await request(t.app)
    .post('/v1/charging-sessions')
    .send({ vehicleId, meterId, startedAt, ...(endedInBody && { endedAt }) })
    .expect(201);
  return { id: session.body.id as string, vehicleId, meterId, startedAt, endedAt };
}

const close = (id: string, endedAt: string) =>
  request(t.app).patch(`/v1/charging-sessions/${id}`).send({ endedAt }).expect(200);

describe('low-efficiency events', () => {
  it('closing a session whose DC/AC ratio is below the threshold sends one, and a good session none', async () => {
    const good = await chargedSession(9.5);
    const poor = await chargedSession(5);
    await close(good.id, good.endedAt);
    await close(poor.id, poor.endedAt);

    const { id, data } = await client.nextEvent('low-efficiency');
    expect(id).toEqual(expect.any(String));
    expect(data).toEqual({
      sessionId: poor.id,
      vehicleId: poor.vehicleId,
      meterId: poor.meterId,
      startedAt: poor.startedAt,
      endedAt: poor.endedAt,
      efficiencyRatio: 0.5,
      threshold: 0.85,
    });
    // The good session's check was started first; had it sent anything, that would be here by now.
    await expect(client.nextEvent('low-efficiency', 500)).rejects.toThrow(/no matching frame/);
  });

  it('a session stored already ended counts as closed', async () => {
    const poor = await chargedSession(7, true);
    expect((await client.nextEvent('low-efficiency')).data).toMatchObject({ sessionId: poor.id, efficiencyRatio: 0.7 });
  });

  it("reaches a client following the vehicle, not one following only the session's meter", async () => {
    const poor = await chargedSession(6);
    const byVehicle = await SseClient.open(`${server.url}/v1/stream?vehicleId=${poor.vehicleId}`);
    const byMeter = await SseClient.open(`${server.url}/v1/stream?meterId=${poor.meterId}`);
    try {
      await close(poor.id, poor.endedAt);
      expect((await byVehicle.nextEvent('low-efficiency')).data.sessionId).toBe(poor.id);
      expect((await client.nextEvent('low-efficiency')).data.sessionId).toBe(poor.id);
      await expect(byMeter.nextEvent('low-efficiency', 300)).rejects.toThrow(/no matching frame/);
    } finally {
      byVehicle.close();
      byMeter.close();
    }
  });
});
