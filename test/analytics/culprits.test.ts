import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { uniqueId } from '../support/factories';
import { charge, type Charge } from './depot';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const HEALTHY = 0.92;
/** A charger that loses a fifth of the energy its meter counts. */
const ON_FAULTY_CHARGER = HEALTHY * 0.8;
const FAULTY_VEHICLE = 0.75;

/**
 * Three chargers, the third losing energy, and four vans, the fourth losing energy; each van charges
 * on two chargers, so that each culprit can be told from the others:
 * - A and B each charge once on the faulty charger M3 and once on a good one;
 * - D charges on M1 and M2, where A and B do fine;
 * - C charges on M1 only, with a fifth of its readings lost (not enough data to judge).
 */
async function depot(day: string) {
  const p = uniqueId('DEP');
  const [A, B, C, D] = ['A', 'B', 'C', 'D'].map((v) => `${p}-${v}`);
  const [M1, M2, M3] = ['M1', 'M2', 'M3'].map((m) => `${p}-${m}`);
  const charges: Charge[] = [
    { vehicleId: A, meterId: M1, hour: 1, efficiency: HEALTHY },
    { vehicleId: B, meterId: M3, hour: 1, efficiency: ON_FAULTY_CHARGER },
    { vehicleId: D, meterId: M2, hour: 1, efficiency: FAULTY_VEHICLE },
    { vehicleId: A, meterId: M3, hour: 3, efficiency: ON_FAULTY_CHARGER },
    { vehicleId: B, meterId: M2, hour: 3, efficiency: HEALTHY },
    { vehicleId: D, meterId: M1, hour: 3, efficiency: FAULTY_VEHICLE },
    { vehicleId: C, meterId: M1, hour: 5, efficiency: HEALTHY * 0.7, lose: { side: 'dc', every: 5 } },
  ];
  const window = await charge(t.app, day, charges);
  return { window, A, B, C, D, M1, M2, M3 };
}

interface Listed {
  vehicleId: string;
  lowEfficiency: boolean;
  suspect: string | null;
  suspectReason: string | null;
  dataQuality: string[];
}

const fleet = async (query: Record<string, string>) =>
  (await request(t.app).get('/v1/analytics/fleet/efficiency').query(query).expect(200)).body.vehicles as Listed[];

const meterView = (meterId: string, query: Record<string, string>) =>
  request(t.app).get(`/v1/analytics/meters/${meterId}/efficiency`).query(query);

describe('charger or vehicle: the fleet list names the likely culprit', () => {
  it('names the faulty charger for the vans that were low only on it, and the faulty van as itself', async () => {
    const { window, A, B, C, D, M3 } = await depot('2026-03-02');
    const listed = await fleet(window);
    const byId = new Map(listed.map((item) => [item.vehicleId, item]));
    expect(listed.map((item) => [item.vehicleId, item.lowEfficiency, item.suspect])).toEqual([
      [C, false, null],
      [D, true, 'vehicle'],
      [A, true, 'charger'],
      [B, true, 'charger'],
    ]);
    expect(byId.get(D)?.suspectReason).toMatch(/each of the 2 meters/);
    expect(byId.get(A)?.suspectReason).toContain(`${M3} 0.736`);
    expect(byId.get(A)?.suspectReason).toMatch(/other meters it reached 0\.920/);
    // A lost fifth of C's readings would explain its low ratio: not enough data, not a fault.
    expect(byId.get(C)?.dataQuality).toEqual(['incomplete-dc']);
  });

  it('filters by suspect, and a cursor keeps that filter', async () => {
    const { window, A, B, D } = await depot('2026-03-03');
    expect((await fleet({ ...window, suspect: 'vehicle' })).map((item) => item.vehicleId)).toEqual([D]);
    const first = await request(t.app)
      .get('/v1/analytics/fleet/efficiency')
      .query({ ...window, suspect: 'charger', limit: '1' })
      .expect(200);
    const second = await request(t.app)
      .get('/v1/analytics/fleet/efficiency')
      .query({ cursor: first.body.nextCursor })
      .expect(200);
    expect([...first.body.vehicles, ...second.body.vehicles].map((item: Listed) => item.vehicleId)).toEqual([A, B]);
  });

  it('gives the same answers once the seal has counted the sessions and their readings', async () => {
    const { window, M3 } = await depot('2026-03-09');
    const before = { list: await fleet(window), meter: (await meterView(M3, window).expect(200)).body };
    await t.services.rollups.seal();
    const [{ uncounted }] = await t.db.dataSource.query(
      `SELECT count(*)::int AS uncounted FROM charging_session
       WHERE started_at >= $1 AND ended_at <= $2 AND (ac_readings IS NULL OR dc_readings IS NULL)`,
      [window.from, window.to],
    );
    expect(uncounted).toBe(0);
    expect({ list: await fleet(window), meter: (await meterView(M3, window).expect(200)).body }).toEqual(before);
  });

  it('names nobody without a comparison: one van on one charger', async () => {
    const p = uniqueId('ALONE');
    const window = await charge(t.app, '2026-03-04', [
      { vehicleId: `${p}-V`, meterId: `${p}-M`, hour: 1, efficiency: FAULTY_VEHICLE },
      { vehicleId: `${p}-V`, meterId: `${p}-M`, hour: 3, efficiency: FAULTY_VEHICLE },
    ]);
    expect(await fleet(window)).toMatchObject([{ vehicleId: `${p}-V`, lowEfficiency: true, suspect: null }]);
  });
});

describe('GET /v1/analytics/meters/:meterId/efficiency', () => {
  it('shows each vehicle the charger fed, here and elsewhere, and suspects the charger', async () => {
    const { window, A, B, M1, M2, M3 } = await depot('2026-03-05');
    const res = await meterView(M3, window).expect(200);
    expect(res.body).toMatchObject({
      meterId: M3,
      periodStart: window.from,
      periodEnd: window.to,
      threshold: 0.85,
      minCoverage: 0.95,
      totalKwhConsumedAc: 60,
      totalKwhDeliveredDc: 44.16,
      efficiencyRatio: 0.736,
      coverage: 1,
      suspect: 'charger',
    });
    expect(res.body.suspectReason).toContain(`${A} 0.736, ${B} 0.736`);
    expect(res.body.vehicles).toEqual([
      expect.objectContaining({
        vehicleId: A,
        sessions: 1,
        efficiencyRatio: 0.736,
        coverageAc: 1,
        coverageDc: 1,
        lowEfficiency: true,
        dataQuality: [],
        elsewhere: {
          meterIds: [M1],
          totalKwhConsumedAc: 30,
          totalKwhDeliveredDc: 27.6,
          efficiencyRatio: 0.92,
          lowEfficiency: false,
        },
        suspect: 'charger',
      }),
      expect.objectContaining({
        vehicleId: B,
        elsewhere: expect.objectContaining({ meterIds: [M2] }),
        suspect: 'charger',
      }),
    ]);
  });

  it('on a healthy charger names the faulty van, not the charger', async () => {
    const { window, A, D, C, M1 } = await depot('2026-03-06');
    const res = await meterView(M1, window).expect(200);
    expect(res.body).toMatchObject({ suspect: null, suspectReason: null });
    expect(res.body.vehicles.map((v: Listed) => [v.vehicleId, v.suspect, v.dataQuality])).toEqual([
      [C, null, ['incomplete-dc']],
      [D, 'vehicle', []],
      [A, null, []],
    ]);
  });

  it('answers a meter that reported but fed nobody in the window with no vehicles', async () => {
    const { M1 } = await depot('2026-03-07');
    const res = await meterView(M1, { from: '2026-03-08T00:00:00Z', to: '2026-03-09T00:00:00Z' }).expect(200);
    expect(res.body).toMatchObject({ vehicles: [], efficiencyRatio: null, coverage: null, suspect: null });
  });

  it.each([
    ['a meter that never reported', '/v1/analytics/meters/NEVER-SEEN-1/efficiency', 404, 'not-found'],
    ['a bad meter id', '/v1/analytics/meters/a%20b/efficiency', 400, 'validation-error'],
    ['a threshold above 1', '/v1/analytics/meters/M/efficiency?threshold=2', 400, 'validation-error'],
    ['an unknown parameter', '/v1/analytics/meters/M/efficiency?suspect=charger', 400, 'validation-error'],
    ['hours with from', '/v1/analytics/meters/M/efficiency?hours=2&from=2026-01-01T00:00:00Z', 400, 'validation-error'],
  ])('answers %s with a problem', async (_label, path, status, type) => {
    const res = await request(t.app).get(path).expect(status);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status, type: `/problems/${type}` });
  });
});
