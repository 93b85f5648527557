import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { chargingSession, meterReading, minutesAgo, uniqueId, vehicleReading } from '../support/factories';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** A fixed hour in the past, so windows given by from/to can be placed to the millisecond. */
const T = Date.parse('2026-01-10T12:00:00Z');
const at = (minutesFromT: number) => new Date(T + minutesFromT * 60_000).toISOString();

async function ingest(readings: object[]): Promise<void> {
  await request(t.app).post('/v1/ingestion/batch').send(readings).expect(201);
}

async function openSession(body: object): Promise<void> {
  await request(t.app).post('/v1/charging-sessions').send(body).expect(201);
}

const performance = (vehicleId: string, query: Record<string, string> = {}) =>
  request(t.app).get(`/v1/analytics/performance/${vehicleId}`).query(query);

const dc = (vehicleId: string, minutes: number, kwhDeliveredDc: number, batteryTemp = 20) =>
  vehicleReading({ vehicleId, timestamp: at(minutes), kwhDeliveredDc, batteryTemp });
const ac = (meterId: string, minutes: number, kwhConsumedAc: number) =>
  meterReading({ meterId, timestamp: at(minutes), kwhConsumedAc });

describe('GET /v1/analytics/performance/:vehicleId over (from, to]', () => {
  const vehicleId = uniqueId('VEH');
  const meterId = uniqueId('MTR');
  const window = { from: at(-120), to: at(0) };

  beforeAll(async () => {
    await ingest([
      dc(vehicleId, -180, 5, 90), // before the window
      dc(vehicleId, -120, 0.6, 90), // exactly at `from`: its interval ended as the window began
      dc(vehicleId, -90, 0.7, 22), // exactly at the session start: the interval before it, outside the session
      dc(vehicleId, -60, 1.1, 21),
      dc(vehicleId, 0, 2.2, 24), // exactly at `to`
      dc(vehicleId, 1, 7, 90), // after the window
      ac(meterId, -100, 50), // in the window, before the session started
      ac(meterId, -90, 1.5), // exactly at the session start
      ac(meterId, -30, 2.5),
      ac(meterId, 0, 1.5), // exactly at `to`; the session is still running
      ac(meterId, 30, 9), // after the window
      ac(uniqueId('MTR'), -30, 40), // a meter the vehicle never used
    ]);
    // Arrives after newer readings: history keeps it, and so does the window.
    await ingest([dc(vehicleId, -100, 0.4, 19)]);
    // A device retry with other values: the first copy counts, once.
    await request(t.app)
      .post('/v1/ingestion/vehicle')
      .send(dc(vehicleId, -60, 99, 99))
      .expect(200);
    await openSession(chargingSession({ vehicleId, meterId, startedAt: at(-90) }));
  });

  it('compares the DC and AC of the session intervals, and reports the DC outside them apart', async () => {
    const res = await performance(vehicleId, window).expect(200);
    expect(res.body).toEqual({
      vehicleId,
      periodStart: window.from,
      periodEnd: window.to,
      totalKwhConsumedAc: 4, // 2.5 + 1.5: the session's meter after the session start
      totalKwhDeliveredDc: 3.3, // 1.1 + 2.2 inside the session, exactly: not 3.3000000000000003
      kwhDeliveredDcOutsideSessions: 1.1, // 0.4 + 0.7, in the window before the session
      efficiencyRatio: 0.825, // 3.3 / 4
      averageBatteryTemp: 21.5, // (19 + 22 + 21 + 24) / 4, every reading in the window
      recordCount: 4,
      meterIds: [meterId],
      lowEfficiency: true,
      dataQuality: [],
    });
  });

  it('with meterId takes that meter and the vehicle DC over the whole window instead of the sessions', async () => {
    const res = await performance(vehicleId, { ...window, meterId }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 55.5, // 50 + 1.5 + 2.5 + 1.5
      totalKwhDeliveredDc: 4.4, // 0.4 + 0.7 + 1.1 + 2.2
      kwhDeliveredDcOutsideSessions: 0,
      efficiencyRatio: 0.079, // 4.4 / 55.5 = 0.07927...
      recordCount: 4,
      meterIds: [meterId],
      lowEfficiency: true,
    });
  });

  it('a millisecond earlier at both ends takes the reading at `from` in and leaves the one at `to` out', async () => {
    const res = await performance(vehicleId, {
      from: new Date(T - 120 * 60_000 - 1).toISOString(),
      to: new Date(T - 1).toISOString(),
    }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 2.5,
      totalKwhDeliveredDc: 1.1,
      kwhDeliveredDcOutsideSessions: 1.7, // 0.6 + 0.4 + 0.7
      recordCount: 4,
    });
  });
});

describe('session attribution', () => {
  it('counts the readings of both devices inside the session: its start excluded, its end included', async () => {
    const vehicleId = uniqueId('VEH');
    const meterId = uniqueId('MTR');
    await ingest([
      dc(vehicleId, -120, 5), // at the session start: the interval before the vehicle was plugged in
      dc(vehicleId, -100, 1.6),
      dc(vehicleId, -60, 0.2), // at the session end: the last interval of the session
      dc(vehicleId, -59, 3), // after
      ac(meterId, -121, 10), // before the session
      ac(meterId, -120, 10), // at the session start
      ac(meterId, -61, 1), // inside
      ac(meterId, -60, 1), // at the session end
      ac(meterId, -59, 10), // after: the next session's
    ]);
    await openSession(chargingSession({ vehicleId, meterId, startedAt: at(-120), endedAt: at(-60) }));
    const res = await performance(vehicleId, { from: at(-180), to: at(0) }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 2,
      totalKwhDeliveredDc: 1.8,
      kwhDeliveredDcOutsideSessions: 8,
      efficiencyRatio: 0.9,
      recordCount: 4,
      lowEfficiency: false,
    });
  });

  it('clips a session to the window and adds up the meters of several sessions', async () => {
    const vehicleId = uniqueId('VEH');
    const [early, late] = [`${uniqueId('MTR')}-a`, `${uniqueId('MTR')}-b`];
    await ingest([
      dc(vehicleId, -200, 50), // inside the early session but before the window
      dc(vehicleId, -150, 1),
      dc(vehicleId, -75, 9), // between the sessions
      dc(vehicleId, -30, 2),
      ac(early, -200, 100), // inside the session but before the window
      ac(early, -150, 2),
      ac(late, -20, 2),
      ac(late, 5, 100), // inside the ongoing session but after the window
    ]);
    await openSession(chargingSession({ vehicleId, meterId: early, startedAt: at(-300), endedAt: at(-100) }));
    await openSession(chargingSession({ vehicleId, meterId: late, startedAt: at(-50) }));
    const res = await performance(vehicleId, { from: at(-180), to: at(0) }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 4,
      totalKwhDeliveredDc: 3,
      kwhDeliveredDcOutsideSessions: 9,
      efficiencyRatio: 0.75,
      meterIds: [early, late],
    });
  });

  it('without sessions or meterId, all DC is outside sessions, AC is 0 and the ratio null, not low', async () => {
    const vehicleId = uniqueId('VEH');
    await ingest([dc(vehicleId, -10, 2)]);
    const res = await performance(vehicleId, { from: at(-60), to: at(0) }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 0,
      totalKwhDeliveredDc: 0,
      kwhDeliveredDcOutsideSessions: 2,
      efficiencyRatio: null,
      meterIds: [],
      lowEfficiency: false,
      dataQuality: [],
    });
  });
});

describe('figures that cannot be physical', () => {
  it('flags a ratio above 1 as dc-exceeds-ac rather than as efficient, and never as low', async () => {
    const vehicleId = uniqueId('VEH');
    const meterId = uniqueId('MTR');
    await ingest([dc(vehicleId, -10, 2.2), ac(meterId, -10, 2)]);
    await openSession(chargingSession({ vehicleId, meterId, startedAt: at(-30), endedAt: at(0) }));
    const res = await performance(vehicleId, { from: at(-60), to: at(0) }).expect(200);
    expect(res.body).toMatchObject({ efficiencyRatio: 1.1, lowEfficiency: false, dataQuality: ['dc-exceeds-ac'] });
  });

  it('flags DC delivered while the attributed meter counted nothing', async () => {
    const vehicleId = uniqueId('VEH');
    await ingest([dc(vehicleId, -10, 1)]);
    const res = await performance(vehicleId, { from: at(-60), to: at(0), meterId: uniqueId('MTR') }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 0,
      totalKwhDeliveredDc: 1,
      efficiencyRatio: null,
      lowEfficiency: false,
      dataQuality: ['dc-exceeds-ac'],
    });
  });

  it('a ratio of exactly 1 is plausible', async () => {
    const vehicleId = uniqueId('VEH');
    const meterId = uniqueId('MTR');
    await ingest([dc(vehicleId, -10, 2), ac(meterId, -10, 2)]);
    const res = await performance(vehicleId, { from: at(-60), to: at(0), meterId }).expect(200);
    expect(res.body).toMatchObject({ efficiencyRatio: 1, lowEfficiency: false, dataQuality: [] });
  });
});

describe('ratio rounding and the alert threshold', () => {
  async function ratioOf(kwhDeliveredDc: number, kwhConsumedAc: number) {
    const vehicleId = uniqueId('VEH');
    const meterId = uniqueId('MTR');
    await ingest([dc(vehicleId, -10, kwhDeliveredDc), ac(meterId, -10, kwhConsumedAc)]);
    const res = await performance(vehicleId, { from: at(-60), to: at(0), meterId }).expect(200);
    return res.body;
  }

  it('rounds to 3 decimals, a half away from zero on the exact decimal quotient', async () => {
    // 8.495 / 10 is 0.8495 exactly; in binary floating point it is 0.84949999... and would round down.
    expect(await ratioOf(8.495, 10)).toMatchObject({ efficiencyRatio: 0.85, lowEfficiency: false });
    expect(await ratioOf(2, 3)).toMatchObject({ efficiencyRatio: 0.667, lowEfficiency: true });
    expect(await ratioOf(1.6979, 2)).toMatchObject({ efficiencyRatio: 0.849, lowEfficiency: true });
  });

  it('a ratio of 0 (no DC at all) is low', async () => {
    const vehicleId = uniqueId('VEH');
    const meterId = uniqueId('MTR');
    await ingest([vehicleReading({ vehicleId, timestamp: at(-500) }), ac(meterId, -10, 3)]);
    const res = await performance(vehicleId, { from: at(-60), to: at(0), meterId }).expect(200);
    expect(res.body).toMatchObject({
      recordCount: 0,
      averageBatteryTemp: null,
      efficiencyRatio: 0,
      lowEfficiency: true,
    });
  });

  it('EFFICIENCY_ALERT_THRESHOLD moves the alert', async () => {
    const strict = await createTestApp({ EFFICIENCY_ALERT_THRESHOLD: '0.95' });
    try {
      const vehicleId = uniqueId('VEH');
      const meterId = uniqueId('MTR');
      await request(strict.app)
        .post('/v1/ingestion/batch')
        .send([dc(vehicleId, -10, 0.9), ac(meterId, -10, 1)])
        .expect(201);
      const query = { from: at(-60), to: at(0), meterId };
      const res = await request(strict.app).get(`/v1/analytics/performance/${vehicleId}`).query(query).expect(200);
      expect(res.body).toMatchObject({ efficiencyRatio: 0.9, lowEfficiency: true });
    } finally {
      await strict.close();
    }
  });
});

describe('windows ending now', () => {
  const vehicleId = uniqueId('VEH');
  beforeAll(async () => {
    await ingest([
      vehicleReading({ vehicleId, timestamp: minutesAgo(30), kwhDeliveredDc: 1 }),
      vehicleReading({ vehicleId, timestamp: minutesAgo(5 * 60), kwhDeliveredDc: 2 }),
      vehicleReading({ vehicleId, timestamp: minutesAgo(25 * 60), kwhDeliveredDc: 4 }),
    ]);
  });

  it.each([
    [{ hours: '1' }, 1, 1, 1],
    [{ hours: '24' }, 24, 2, 3],
    [{}, 24, 2, 3],
    [{ hours: '0.25' }, 0.25, 0, 0],
    [{ hours: '26' }, 26, 3, 7],
  ])('%o spans %d hours back from now and covers %i readings', async (query, hours, recordCount, dcInWindow) => {
    const before = Date.now();
    const res = await performance(vehicleId, query).expect(200);
    // The vehicle never charged in a session: its DC in the window is all outside sessions.
    expect(res.body).toMatchObject({ recordCount, totalKwhDeliveredDc: 0, kwhDeliveredDcOutsideSessions: dcInWindow });
    const end = Date.parse(res.body.periodEnd);
    expect(end).toBeGreaterThanOrEqual(before);
    expect(end - Date.parse(res.body.periodStart)).toBe(hours * 3_600_000);
  });

  it('from without to ends the window now', async () => {
    const res = await performance(vehicleId, { from: minutesAgo(6 * 60) }).expect(200);
    expect(res.body.recordCount).toBe(2);
  });
});

describe('unknown vehicles and bad parameters', () => {
  it('answers 404 problem for a vehicle that never reported', async () => {
    const res = await performance(uniqueId('VEH')).expect(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, type: '/problems/not-found' });
  });

  it('a vehicle with sessions but no reading is still unknown', async () => {
    const vehicleId = uniqueId('VEH');
    await openSession(chargingSession({ vehicleId, startedAt: minutesAgo(60) }));
    await performance(vehicleId).expect(404);
  });

  it('a known vehicle with nothing in the window gets zeros, not 404', async () => {
    const vehicleId = uniqueId('VEH');
    await ingest([vehicleReading({ vehicleId, timestamp: minutesAgo(48 * 60) })]);
    const res = await performance(vehicleId, { hours: '1' }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 0,
      totalKwhDeliveredDc: 0,
      efficiencyRatio: null,
      averageBatteryTemp: null,
      kwhDeliveredDcOutsideSessions: 0,
      recordCount: 0,
      meterIds: [],
      lowEfficiency: false,
      dataQuality: [],
    });
  });

  it.each([
    ['hours=0', { hours: '0' }, 'hours'],
    ['negative hours', { hours: '-1' }, 'hours'],
    ['hours above a year', { hours: '8761' }, 'hours'],
    ['hours that is not a number', { hours: 'day' }, 'hours'],
    ['hours in exponent notation', { hours: '1e3' }, 'hours'],
    ['an empty hours', { hours: '' }, 'hours'],
    ['hours given twice', 'hours=1&hours=2', 'hours'],
    ['hours together with from', { hours: '1', from: at(-60) }, 'hours'],
    ['to without from', { to: at(0) }, 'from'],
    ['from without a zone', { from: '2026-01-10T10:00:00' }, 'from'],
    ['a date-only to', { from: at(-60), to: '2026-01-10' }, 'to'],
    ['from after to', { from: at(0), to: at(-60) }, 'from'],
    ['from equal to to', { from: at(0), to: at(0) }, 'from'],
    ['from in the future without to', { from: minutesAgo(-60) }, 'from'],
    ['a window longer than 8760 hours', { from: '2024-01-01T00:00:00Z', to: '2025-01-01T00:00:01Z' }, 'from'],
    ['a meterId breaking the id rules', { meterId: 'meter 1' }, 'meterId'],
    ['an unknown parameter', { hour: '1' }, 'hour'],
  ])('answers 400 problem for %s', async (_label, query, path) => {
    const vehicleId = uniqueId('VEH');
    await ingest([vehicleReading({ vehicleId })]);
    const res = await performance(vehicleId).query(query).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, type: '/problems/validation-error' });
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
  });

  it('answers 400 problem for a vehicle id breaking the id rules', async () => {
    const res = await performance('bad%20id').expect(400);
    expect(res.body.errors[0].path).toBe('vehicleId');
  });
});
