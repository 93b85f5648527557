import request from 'supertest';
import { meterReading, minutesAgo, uniqueId, vehicleReading } from '../support/factories';
import { createTestApp, testAppsClosedAfterAll, type TestApp } from '../support/test-app';
import { listening, SseClient } from '../stream/sse-client';

// Silent devices and untrustworthy figures, and how every alarm change reaches the stream and /metrics.

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ ALARM_SILENT_AFTER: '15 min' });
});
afterAll(() => t.close());

const ingest = (readings: object[]) => request(t.app).post('/v1/ingestion/batch').send(readings).expect(201);
const check = () => t.services.alarmCheck.check();

async function alarmsOf(deviceId: string, type: string) {
  const { body } = await request(t.app).get('/v1/alarms').query({ deviceId, type }).expect(200);
  return body.alarms as Array<{ id: string; state: string; summary: string; details: Record<string, unknown> }>;
}

describe('device-silent alarms', () => {
  it('a device quiet for longer than ALARM_SILENT_AFTER is alarmed, and a reading clears it', async () => {
    const [quiet, chatty] = [uniqueId('MTR'), uniqueId('MTR')];
    const lastReadingAt = minutesAgo(20);
    await ingest([
      meterReading({ meterId: quiet, timestamp: lastReadingAt }),
      meterReading({ meterId: chatty, timestamp: minutesAgo(5) }),
    ]);

    await check();
    const [alarm] = await alarmsOf(quiet, 'device-silent');
    expect(alarm).toMatchObject({ state: 'active', details: { lastReadingAt, silentAfterSeconds: 900 } });
    expect(alarm.summary).toBe(`Meter ${quiet} has sent no reading since ${lastReadingAt} (silent after 15 min).`);
    expect(await alarmsOf(chatty, 'device-silent')).toEqual([]);

    await ingest([meterReading({ meterId: quiet, timestamp: minutesAgo(0.5) })]);
    await check();
    expect(await alarmsOf(quiet, 'device-silent')).toEqual([
      expect.objectContaining({ id: alarm.id, state: 'cleared' }),
    ]);
  });

  it('a device that reports less often, or was decommissioned, is not silent', async () => {
    const [hourly, retired] = [uniqueId('VEH'), uniqueId('VEH')];
    await request(t.app)
      .post('/v1/devices')
      .send({ id: hourly, kind: 'vehicle', reportingIntervalSeconds: 3600 })
      .expect(201);
    await request(t.app).post('/v1/devices').send({ id: retired, kind: 'vehicle' }).expect(201);
    await ingest([
      vehicleReading({ vehicleId: hourly, timestamp: minutesAgo(50) }),
      vehicleReading({ vehicleId: retired, timestamp: minutesAgo(50) }),
    ]);
    await request(t.app).delete(`/v1/devices/${retired}`).expect(200);

    await check();

    expect(await alarmsOf(hourly, 'device-silent')).toEqual([]);
    expect(await alarmsOf(retired, 'device-silent')).toEqual([]);
  });
});

describe('a fleet falling silent at once', () => {
  const openApp = testAppsClosedAfterAll();

  it('is alarmed 500 devices a check, so no check is an unbounded burst', async () => {
    const fleet = await openApp();
    const meters = Array.from({ length: 502 }, (_, i) => `DEPOT-${i}`);
    await request(fleet.app)
      .post('/v1/ingestion/batch')
      .send(meters.map((meterId) => meterReading({ meterId, timestamp: minutesAgo(30) })))
      .expect(201);

    expect(await fleet.services.alarmCheck.check()).toEqual({ raised: 500, cleared: 0 });
    expect(await fleet.services.alarmCheck.check()).toEqual({ raised: 2, cleared: 0 });
    const [{ open }] = await fleet.db.dataSource.query(
      `SELECT count(*)::int AS open FROM alarm WHERE state = 'active'`,
    );
    expect(open).toBe(502);
  });
});

describe('data-quality alarms', () => {
  it('DC taken with no session in the last day raises one naming no-session; a session over it clears it', async () => {
    const [vehicleId, meterId] = [uniqueId('VEH'), uniqueId('MTR')];
    const minutes = [30, 29, 28, 27, 26, 25];
    await ingest(
      minutes.flatMap((m) => [
        meterReading({ meterId, timestamp: minutesAgo(m), kwhConsumedAc: 0.5 }),
        vehicleReading({ vehicleId, timestamp: minutesAgo(m), kwhDeliveredDc: 0.46 }),
      ]),
    );

    await check();
    const [alarm] = await alarmsOf(vehicleId, 'data-quality');
    expect(alarm).toMatchObject({ state: 'active', details: { flags: ['no-session'] } });
    expect(alarm.summary).toContain('no-session');

    await request(t.app)
      .post('/v1/charging-sessions')
      .send({ vehicleId, meterId, startedAt: minutesAgo(31), endedAt: minutesAgo(24.5) })
      .expect(201);
    await check();
    expect(await alarmsOf(vehicleId, 'data-quality')).toEqual([
      expect.objectContaining({ id: alarm.id, state: 'cleared' }),
    ]);
  });
});

describe('every change is told', () => {
  it('on the stream, to a client following the device, as the event webhooks receive', async () => {
    const server = await listening(t.app);
    const meterId = uniqueId('MTR');
    const following = await SseClient.open(`${server.url}/v1/stream?meterId=${meterId}`);
    const other = await SseClient.open(`${server.url}/v1/stream?meterId=${uniqueId('MTR')}`);
    try {
      await ingest([meterReading({ meterId, timestamp: minutesAgo(40) })]);
      await check();
      const { data } = await following.nextEvent('alarm');
      expect(data).toMatchObject({
        type: 'alarm.raised',
        timestamp: expect.any(String),
        data: { type: 'device-silent', subject: { kind: 'meter', id: meterId }, state: 'active' },
      });
      const event = data as { timestamp: string; data: { raisedAt: string } };
      expect(event.timestamp).toBe(event.data.raisedAt);
      await expect(other.nextEvent('alarm', 300)).rejects.toThrow(/no matching frame/);
    } finally {
      following.close();
      other.close();
      await server.close();
    }
  });

  it('in /metrics, open alarms by type as the last check found them', async () => {
    await ingest([meterReading({ meterId: uniqueId('MTR'), timestamp: minutesAgo(45) })]);
    await check();
    const [{ open }] = await t.db.dataSource.query(
      `SELECT count(*)::int AS open FROM alarm WHERE state <> 'cleared' AND type = 'device-silent'`,
    );
    const { text } = await request(t.app).get('/metrics').expect(200);
    expect(text).toContain(`fleet_alarms_open{type="device-silent"} ${open}`);
    expect(text).toMatch(/fleet_alarms_open\{type="webhook-failing"\} 0/);
    expect(text).toMatch(/fleet_stream_clients \d+/);
  });
});
