import request from 'supertest';
import { charge, type Charge } from '../analytics/depot';
import { uniqueId } from '../support/factories';
import { createTestApp, testAppsClosedAfterAll, type TestApp } from '../support/test-app';
import { listening, SseClient } from '../stream/sse-client';

// Low-efficiency alarms from whole sessions as devices report them (a reading a minute), counted by the
// seal as the service counts them, then judged by the check every replica runs.

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ EFFICIENCY_ALERT_THRESHOLD: '0.85', ALARM_CLEAR_MARGIN: '0.02' });
});
afterAll(() => t.close());

/** A day far enough back that its hours are sealed and outside the data-quality day. */
const DAY = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);

async function charged(charges: Charge[]) {
  await charge(t.app, DAY, charges);
  await t.services.rollups.seal();
}

const alarmsOf = async (vehicleId: string, state?: string) =>
  (await request(t.app).get('/v1/alarms').query({ deviceId: vehicleId, type: 'low-efficiency', state }).expect(200))
    .body.alarms as Array<Record<string, unknown> & { id: string; details: { sessions: unknown[] } }>;

const sessions = (vehicleId: string, meterId: string, efficiency: number, hours: number[], lose?: Charge['lose']) =>
  hours.map((hour) => ({ vehicleId, meterId, hour, efficiency, lose }));

describe('low-efficiency alarms', () => {
  it('two complete sessions below the threshold raise one alarm naming them, and later checks raise no second', async () => {
    const [vehicleId, meterId] = [uniqueId('VEH'), uniqueId('MTR')];
    await charged(sessions(vehicleId, meterId, 0.78, [1, 3]));

    await t.services.alarmCheck.check();
    await t.services.alarmCheck.check();

    const alarms = await alarmsOf(vehicleId);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      type: 'low-efficiency',
      subject: { kind: 'vehicle', id: vehicleId },
      state: 'active',
      acknowledgedAt: null,
      clearedAt: null,
      details: { threshold: 0.85, clearAt: 0.87 },
    });
    expect(alarms[0].details.sessions).toEqual([
      expect.objectContaining({ meterId, efficiencyRatio: 0.78, startedAt: `${DAY}T03:00:00+00:00` }),
      expect.objectContaining({ meterId, efficiencyRatio: 0.78, startedAt: `${DAY}T01:00:00+00:00` }),
    ]);
    expect(alarms[0].summary).toContain(`Vehicle ${vehicleId} charged below 0.85 in its last 2 complete sessions`);
    const detail = await request(t.app).get(`/v1/alarms/${alarms[0].id}`).expect(200);
    expect(detail.body.history).toEqual([{ change: 'raised', at: alarms[0].raisedAt, by: null, note: null }]);
  });

  it('one low session is not a streak, and low sessions with too few readings raise nothing', async () => {
    const [once, lossy, meterId] = [uniqueId('VEH'), uniqueId('VEH'), uniqueId('MTR')];
    await charged([
      ...sessions(once, meterId, 0.78, [1]),
      // A quarter of the vehicle's readings lost: its DC, and so its ratio, is short by as much.
      ...sessions(lossy, meterId, 0.9, [5, 7], { side: 'dc', every: 4 }),
    ]);

    await t.services.alarmCheck.check();

    expect(await alarmsOf(once)).toEqual([]);
    expect(await alarmsOf(lossy)).toEqual([]);
  });

  it('stays open through sessions short of the clear margin and clears after as many clear of it', async () => {
    const [vehicleId, meterId] = [uniqueId('VEH'), uniqueId('MTR')];
    await charged(sessions(vehicleId, meterId, 0.8, [1, 3]));
    await t.services.alarmCheck.check();
    const [raised] = await alarmsOf(vehicleId);

    // At the threshold but short of threshold + margin: no longer low, not yet fine.
    await charged(sessions(vehicleId, meterId, 0.86, [5, 7]));
    await t.services.alarmCheck.check();
    expect(await alarmsOf(vehicleId)).toEqual([expect.objectContaining({ id: raised.id, state: 'active' })]);

    await charged(sessions(vehicleId, meterId, 0.92, [9, 11]));
    const report = await t.services.alarmCheck.check();
    expect(report.cleared).toBeGreaterThanOrEqual(1);
    const [cleared] = await alarmsOf(vehicleId);
    expect(cleared).toMatchObject({ id: raised.id, state: 'cleared', clearedAt: expect.any(String) });
    const { body } = await request(t.app).get(`/v1/alarms/${raised.id}`).expect(200);
    expect(body.history.map((entry: { change: string }) => entry.change)).toEqual(['raised', 'cleared']);
    expect(body.history[1].note).toBe(
      'Its last 2 complete sessions reached 0.87 or more: 0.920 (' + meterId + '), 0.920 (' + meterId + ').',
    );
  });

  it('two checks racing over the same streak raise it once', async () => {
    const [vehicleId, meterId] = [uniqueId('VEH'), uniqueId('MTR')];
    await charged(sessions(vehicleId, meterId, 0.7, [13, 15]));

    await Promise.all([t.services.alarmCheck.check(), t.services.alarmCheck.check(), t.services.alarmCheck.check()]);

    expect(await alarmsOf(vehicleId)).toHaveLength(1);
    const [{ changes }] = await t.db.dataSource.query(
      `SELECT count(*)::int AS changes FROM alarm_change c JOIN alarm a ON a.id = c.alarm_id WHERE a.subject_id = $1 AND a.type = 'low-efficiency'`,
      [vehicleId],
    );
    expect(changes).toBe(1);
  });

  it('names the charger when other vehicles lose on it too and are fine elsewhere', async () => {
    const [bad, good, other] = [uniqueId('MTR'), uniqueId('MTR'), uniqueId('MTR')];
    const [first, second] = [uniqueId('VEH'), uniqueId('VEH')];
    // Both vans charged well elsewhere in the morning, then lost a quarter twice each on one charger.
    await charged([
      ...sessions(first, good, 0.93, [9]),
      ...sessions(second, other, 0.92, [9]),
      ...sessions(first, bad, 0.74, [17, 19]),
      ...sessions(second, bad, 0.75, [18, 20]),
    ]);

    await t.services.alarmCheck.check();

    for (const vehicleId of [first, second]) {
      const [alarm] = await alarmsOf(vehicleId);
      expect(alarm.suspect).toEqual({ kind: 'charger', id: bad, reason: expect.stringContaining(bad) });
    }
  });
});

describe('a long streak', () => {
  const openApp = testAppsClosedAfterAll();

  it('of 100 sessions is judged as the setting asks, and its alarm reaches the stream however long it reads', async () => {
    const long = await openApp({ ALARM_LOW_EFFICIENCY_SESSIONS: '100', ALARM_SILENT_AFTER: '1000 hours' });
    const server = await listening(long.app);
    const client = await SseClient.open(`${server.url}/v1/stream`);
    try {
      const [vehicleId, meterId] = [uniqueId('VEH'), uniqueId('MTR')];
      const day = new Date(Date.now() - 8 * 86_400_000).toISOString().slice(0, 10);
      // 100 ten-minute sessions, one an hour over four days.
      const hours = Array.from({ length: 100 }, (_, hour) => hour);
      await charge(
        long.app,
        day,
        hours.map((hour) => ({ vehicleId, meterId, hour, efficiency: 0.8, minutes: 10 })),
      );
      await long.services.rollups.seal();

      expect(await long.services.alarmCheck.check()).toEqual({ raised: 1, cleared: 0 });

      const { body } = await request(long.app).get('/v1/alarms').query({ deviceId: vehicleId }).expect(200);
      expect(body.alarms[0].details.sessions).toHaveLength(100);
      // Too long for one notification whole: the stream carries it without its figures.
      const { data } = await client.nextEvent('alarm');
      expect(data).toMatchObject({ type: 'alarm.raised', data: { id: body.alarms[0].id, details: {} } });
    } finally {
      client.close();
      await server.close();
    }
  });
});
