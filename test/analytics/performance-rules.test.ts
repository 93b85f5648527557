import request from 'supertest';
import { chargingSession, minutesAgo, uniqueId, vehicleReading } from '../support/factories';
import { createTestApp } from '../support/test-app';
import { ac, at, dc, performanceApp, SPARSE_DEVICES } from './performance-app';

const { ingest, openSession, performance } = performanceApp();

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
    const strict = await createTestApp({ ...SPARSE_DEVICES, EFFICIENCY_ALERT_THRESHOLD: '0.95' });
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
