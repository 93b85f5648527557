import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { SPARSE_DEVICES } from './performance-app';
import { chargingSession, meterReading, uniqueId, vehicleReading } from '../support/factories';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(SPARSE_DEVICES);
});
afterAll(() => t.close());

const fleet = (query: Record<string, string>) => request(t.app).get('/v1/analytics/fleet/efficiency').query(query);

interface Item {
  vehicleId: string;
  efficiencyRatio: number | null;
  lowEfficiency: boolean;
}

/**
 * Each scenario lives on a day of its own, so the windows below see only the sessions they set up,
 * whatever else this file stores.
 */
async function scenario(day: string, vehicles: Array<{ suffix: string; dc?: number; ac?: number }>) {
  const at = (hour: number) => `${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;
  const prefix = uniqueId('FLT');
  const readings: object[] = [];
  for (const { suffix, dc, ac } of vehicles) {
    const vehicleId = `${prefix}-${suffix}`;
    const meterId = `${prefix}-M-${suffix}`;
    await request(t.app)
      .post('/v1/charging-sessions')
      .send(chargingSession({ vehicleId, meterId, startedAt: at(8), endedAt: at(12) }))
      .expect(201);
    if (dc !== undefined) readings.push(vehicleReading({ vehicleId, timestamp: at(10), kwhDeliveredDc: dc }));
    if (ac !== undefined) readings.push(meterReading({ meterId, timestamp: at(10), kwhConsumedAc: ac }));
  }
  // Not listed: a session before the window. Listed apart: a vehicle that took DC without a session.
  await request(t.app)
    .post('/v1/charging-sessions')
    .send(chargingSession({ vehicleId: `${prefix}-early`, startedAt: at(0), endedAt: at(1) }))
    .expect(201);
  readings.push(vehicleReading({ vehicleId: `${prefix}-no-session`, timestamp: at(10) }));
  await request(t.app).post('/v1/ingestion/batch').send(readings).expect(201);
  return { prefix, window: { from: at(6), to: at(18) } };
}

/** Ratios 0.8, 0.9, 0.9, none and 0.5: a tie, a vehicle without AC, and a clear lowest. */
const FIVE_VEHICLES = [
  { suffix: 'a', dc: 1.6, ac: 2 },
  { suffix: 'b', dc: 1.8, ac: 2 },
  { suffix: 'c', dc: 0.9, ac: 1 },
  { suffix: 'd', dc: 1 },
  { suffix: 'e', dc: 0.5, ac: 1 },
];

const ids = (items: Item[]) => items.map((item) => item.vehicleId);

describe('GET /v1/analytics/fleet/efficiency', () => {
  it('lists the vehicles with sessions in the window, lowest ratio first, ties by id, no ratio last', async () => {
    const { prefix, window } = await scenario('2026-05-01', FIVE_VEHICLES);
    const res = await fleet(window).expect(200);
    expect(res.body).toMatchObject({
      periodStart: window.from,
      periodEnd: window.to,
      threshold: 0.85,
      nextCursor: null,
    });
    expect(res.body.vehicles.map((v: Item) => [v.vehicleId, v.efficiencyRatio, v.lowEfficiency])).toEqual([
      [`${prefix}-e`, 0.5, true],
      [`${prefix}-a`, 0.8, true],
      [`${prefix}-b`, 0.9, false],
      [`${prefix}-c`, 0.9, false],
      [`${prefix}-d`, null, false],
      [`${prefix}-no-session`, null, false],
    ]);
    expect(res.body.vehicles.at(-1)).toMatchObject({ dataQuality: ['no-session'], coverageAc: null, coverageDc: null });
  });

  it('gives each vehicle the same figures as its performance endpoint', async () => {
    const { prefix, window } = await scenario('2026-05-02', [{ suffix: 'a', dc: 1.6, ac: 2 }]);
    const [item] = (await fleet(window).expect(200)).body.vehicles;
    const single = await request(t.app).get(`/v1/analytics/performance/${prefix}-a`).query(window).expect(200);
    expect(item).toEqual({ ...single.body, suspect: null, suspectReason: null });
    expect(item).toMatchObject({
      totalKwhConsumedAc: 2,
      totalKwhDeliveredDc: 1.6,
      kwhDeliveredDcOutsideSessions: 0,
      recordCount: 1,
      meterIds: [`${prefix}-M-a`],
    });
  });

  it('ranks by the same rules: DC outside sessions stays out of the ratio, DC above AC is flagged, not low', async () => {
    const { prefix, window } = await scenario('2026-05-06', [
      { suffix: 'a', dc: 1.6, ac: 2 },
      { suffix: 'b', dc: 2.4, ac: 2 },
    ]);
    // After a's session ended, inside the window.
    await request(t.app)
      .post('/v1/ingestion/vehicle')
      .send(vehicleReading({ vehicleId: `${prefix}-a`, timestamp: '2026-05-06T13:00:00.000Z', kwhDeliveredDc: 5 }))
      .expect(201);
    const res = await fleet(window).expect(200);
    expect(res.body.vehicles).toMatchObject([
      {
        vehicleId: `${prefix}-a`,
        efficiencyRatio: 0.8,
        kwhDeliveredDcOutsideSessions: 5,
        lowEfficiency: true,
        dataQuality: [],
      },
      { vehicleId: `${prefix}-b`, efficiencyRatio: 1.2, lowEfficiency: false, dataQuality: ['dc-exceeds-ac'] },
      { vehicleId: `${prefix}-no-session`, efficiencyRatio: null, lowEfficiency: false, dataQuality: ['no-session'] },
    ]);
  });

  it('threshold overrides the configured alert level', async () => {
    const { window } = await scenario('2026-05-03', [
      { suffix: 'a', dc: 1.6, ac: 2 },
      { suffix: 'b', dc: 1.8, ac: 2 },
    ]);
    const res = await fleet({ ...window, threshold: '0.95' }).expect(200);
    expect(res.body.threshold).toBe(0.95);
    expect(res.body.vehicles.map((v: Item) => v.lowEfficiency)).toEqual([true, true, false]);
  });

  it('pages with an opaque cursor that keeps the first page window, without repeating or skipping anyone', async () => {
    const { prefix, window } = await scenario('2026-05-04', FIVE_VEHICLES);
    const pages: Item[][] = [];
    let cursor: string | null = null;
    do {
      // Later pages send only the cursor: the window travels inside it.
      const query: Record<string, string> = cursor ? { cursor, limit: '2' } : { ...window, limit: '2' };
      const res = await fleet(query).expect(200);
      expect(res.body).toMatchObject({ periodStart: window.from, periodEnd: window.to });
      pages.push(res.body.vehicles);
      cursor = res.body.nextCursor;
    } while (cursor !== null);
    expect(pages.map(ids)).toEqual([
      [`${prefix}-e`, `${prefix}-a`],
      [`${prefix}-b`, `${prefix}-c`],
      [`${prefix}-d`, `${prefix}-no-session`],
    ]);
  });

  it('a page that ends the list exactly has no next cursor', async () => {
    const { window } = await scenario('2026-05-05', [
      { suffix: 'a', dc: 1, ac: 2 },
      { suffix: 'b', dc: 1, ac: 2 },
    ]);
    const res = await fleet({ ...window, limit: '3' }).expect(200);
    expect(res.body.vehicles).toHaveLength(3);
    expect(res.body.nextCursor).toBeNull();
  });

  it('an empty window is an empty list', async () => {
    const res = await fleet({ from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' }).expect(200);
    expect(res.body).toMatchObject({ vehicles: [], nextCursor: null });
  });

  const forged = (from: string, to: string, ratio: number, vehicleId: string, ...rest: unknown[]) =>
    Buffer.from(
      JSON.stringify([from, to, ratio, vehicleId, ...[null, null, null, null].map((v, i) => rest[i] ?? v)]),
    ).toString('base64url');

  it('filters by flag: only the flagged vehicles, only the others, or only those with a data-quality flag', async () => {
    const { prefix, window } = await scenario('2026-05-07', [...FIVE_VEHICLES, { suffix: 'f', dc: 2.4, ac: 2 }]);
    const listed = async (query: Record<string, string>) =>
      ids((await fleet({ ...window, ...query }).expect(200)).body.vehicles);
    expect(await listed({ lowEfficiency: 'true' })).toEqual([`${prefix}-e`, `${prefix}-a`]);
    // The vehicle without AC and the one with DC above AC are not flagged, so they are among the others.
    expect(await listed({ lowEfficiency: 'false' })).toEqual([
      `${prefix}-b`,
      `${prefix}-c`,
      `${prefix}-f`,
      `${prefix}-d`,
      `${prefix}-no-session`,
    ]);
    expect(await listed({ lowEfficiency: 'true', threshold: '0.95' })).toEqual([
      `${prefix}-e`,
      `${prefix}-a`,
      `${prefix}-b`,
      `${prefix}-c`,
    ]);
    // DC without any AC is more DC than AC too.
    expect(await listed({ dataQuality: 'dc-exceeds-ac' })).toEqual([`${prefix}-f`, `${prefix}-d`]);
    expect(await listed({ dataQuality: 'no-session' })).toEqual([`${prefix}-no-session`]);
    expect(await listed({ dataQuality: 'shared-meter' })).toEqual([]);
  });

  it('a cursor keeps the first page’s threshold and filter', async () => {
    const { prefix, window } = await scenario('2026-05-08', FIVE_VEHICLES);
    const first = await fleet({ ...window, lowEfficiency: 'true', threshold: '0.95', limit: '2' }).expect(200);
    const second = await fleet({ cursor: first.body.nextCursor, limit: '2' }).expect(200);
    expect([...ids(first.body.vehicles), ...ids(second.body.vehicles)]).toEqual([
      `${prefix}-e`,
      `${prefix}-a`,
      `${prefix}-b`,
      `${prefix}-c`,
    ]);
    expect(second.body.threshold).toBe(0.95);
    expect(second.body.nextCursor).toBeNull();
  });

  it.each([
    ['limit=0', { limit: '0' }, 'limit'],
    ['limit above 1000', { limit: '1001' }, 'limit'],
    ['a fractional limit', { limit: '1.5' }, 'limit'],
    ['a threshold above 1', { threshold: '1.5' }, 'threshold'],
    ['a negative threshold', { threshold: '-0.1' }, 'threshold'],
    ['hours=0', { hours: '0' }, 'hours'],
    ['from after to', { from: '2026-05-02T00:00:00Z', to: '2026-05-01T00:00:00Z' }, 'from'],
    ['a cursor that is not base64 JSON', { cursor: 'not-a-cursor' }, 'cursor'],
    [
      'a cursor with a bad vehicle id',
      { cursor: forged('2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z', 0.5, 'a b') },
      'cursor',
    ],
    [
      'a cursor with an empty window',
      { cursor: forged('2026-05-02T00:00:00Z', '2026-05-01T00:00:00Z', 0.5, 'V') },
      'cursor',
    ],
    [
      'a cursor with a filter that is not a boolean',
      { cursor: forged('2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z', 0.5, 'V', 0.85, 'yes') },
      'cursor',
    ],
    [
      'a cursor with an unknown flag',
      { cursor: forged('2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z', 0.5, 'V', 0.85, true, 'bogus') },
      'cursor',
    ],
    ['lowEfficiency that is not true or false', { lowEfficiency: 'yes' }, 'lowEfficiency'],
    ['an unknown data-quality flag', { dataQuality: 'bogus' }, 'dataQuality'],
    ['an unknown suspect', { suspect: 'driver' }, 'suspect'],
    [
      'a cursor with an unknown suspect',
      { cursor: forged('2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z', 0.5, 'V', 0.85, true, null, 'driver') },
      'cursor',
    ],
    ['an unknown parameter', { page: '2' }, 'page'],
  ])('answers 400 problem for %s', async (_label, query, path) => {
    const res = await fleet(query).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, type: '/problems/validation-error' });
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
  });
});
