import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { chargingSession, meterReading, uniqueId, vehicleReading } from '../support/factories';
import { charge } from './depot';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const performance = async (vehicleId: string, query: Record<string, string>) =>
  (await request(t.app).get(`/v1/analytics/performance/${vehicleId}`).query(query).expect(200)).body;

const ids = () => {
  const p = uniqueId('COV');
  return { vehicleId: `${p}-V`, meterId: `${p}-M` };
};

describe('coverage: the share of expected readings behind each side of the ratio', () => {
  it('a complete hour of readings on both sides is coverage 1, and a faulty vehicle is flagged', async () => {
    const { vehicleId, meterId } = ids();
    const window = await charge(t.app, '2026-02-02', [{ vehicleId, meterId, hour: 1, efficiency: 0.75 }]);
    expect(await performance(vehicleId, window)).toMatchObject({
      efficiencyRatio: 0.75,
      coverageAc: 1,
      coverageDc: 1,
      lowEfficiency: true,
      dataQuality: [],
    });
  });

  it('a vehicle that lost a third of its readings is incomplete, not faulty, though its ratio looks low', async () => {
    const { vehicleId, meterId } = ids();
    const window = await charge(t.app, '2026-02-03', [
      { vehicleId, meterId, hour: 1, efficiency: 0.92, lose: { side: 'dc', every: 3 } },
    ]);
    // 40 of the 60 minutes arrived.
    expect(await performance(vehicleId, window)).toMatchObject({
      efficiencyRatio: 0.613,
      coverageAc: 1,
      coverageDc: 0.667,
      lowEfficiency: false,
      dataQuality: ['incomplete-dc'],
    });
  });

  it('a meter that lost readings makes the vehicle look better than it is, and says so', async () => {
    const { vehicleId, meterId } = ids();
    const window = await charge(t.app, '2026-02-04', [
      { vehicleId, meterId, hour: 1, efficiency: 0.75, lose: { side: 'ac', every: 4 } },
    ]);
    expect(await performance(vehicleId, window)).toMatchObject({
      efficiencyRatio: 1,
      coverageAc: 0.75,
      coverageDc: 1,
      lowEfficiency: false,
      dataQuality: ['incomplete-ac'],
    });
  });

  it('the fleet list shows incomplete vehicles apart from the faulty ones, and filters by the flag', async () => {
    const p = uniqueId('COVF');
    const window = await charge(t.app, '2026-02-05', [
      { vehicleId: `${p}-lossy`, meterId: `${p}-M1`, hour: 1, efficiency: 0.92, lose: { side: 'dc', every: 3 } },
      { vehicleId: `${p}-faulty`, meterId: `${p}-M2`, hour: 1, efficiency: 0.75 },
    ]);
    const list = async (query: Record<string, string> = {}) =>
      (
        await request(t.app)
          .get('/v1/analytics/fleet/efficiency')
          .query({ ...window, ...query })
          .expect(200)
      ).body;
    const page = await list();
    expect(page.minCoverage).toBe(0.95);
    expect(
      page.vehicles.map((v: { vehicleId: string; lowEfficiency: boolean }) => [v.vehicleId, v.lowEfficiency]),
    ).toEqual([
      [`${p}-lossy`, false],
      [`${p}-faulty`, true],
    ]);
    expect((await list({ lowEfficiency: 'true' })).vehicles).toHaveLength(1);
    expect((await list({ dataQuality: 'incomplete-dc' })).vehicles).toMatchObject([{ vehicleId: `${p}-lossy` }]);
  });

  it("counts against the device's own reporting interval when its registry record states one", async () => {
    const p = uniqueId('COVI');
    const slow = `${p}-slow`;
    await request(t.app)
      .post('/v1/devices')
      .send({ id: slow, kind: 'vehicle', reportingIntervalSeconds: 120 })
      .expect(201);
    // Both vehicles report every other minute; only the one registered at 120 s is meant to.
    const window = await charge(t.app, '2026-02-06', [
      { vehicleId: slow, meterId: `${p}-M1`, hour: 1, efficiency: 0.92, lose: { side: 'dc', every: 2 } },
      { vehicleId: `${p}-unregistered`, meterId: `${p}-M2`, hour: 1, efficiency: 0.92, lose: { side: 'dc', every: 2 } },
    ]);
    expect(await performance(slow, window)).toMatchObject({ coverageDc: 1, dataQuality: [] });
    expect(await performance(`${p}-unregistered`, window)).toMatchObject({
      coverageDc: 0.5,
      dataQuality: ['incomplete-dc'],
    });
  });

  it('readings that arrive late, after the seal counted the session, count for it', async () => {
    const { vehicleId, meterId } = ids();
    const window = await charge(t.app, '2026-02-09', [
      { vehicleId, meterId, hour: 1, efficiency: 0.92, lose: { side: 'dc', every: 3 } },
    ]);
    await t.services.rollups.seal();
    const counted = async () =>
      (
        await t.db.dataSource.query(`SELECT dc_readings::int AS n FROM charging_session WHERE vehicle_id = $1`, [
          vehicleId,
        ])
      )[0].n;
    expect(await counted()).toBe(40);
    const late = [];
    for (let m = 3; m <= 60; m += 3) {
      const timestamp = new Date(Date.parse('2026-02-09T01:00:00Z') + m * 60_000).toISOString();
      late.push(vehicleReading({ vehicleId, timestamp, kwhDeliveredDc: 0.46 }));
    }
    await request(t.app).post('/v1/ingestion/batch').send(late).expect(201);
    expect(await counted()).toBe(60);
    expect(await performance(vehicleId, window)).toMatchObject({
      efficiencyRatio: 0.92,
      coverageDc: 1,
      dataQuality: [],
    });
  });

  it('an ongoing session whose newest reading is still on its way is complete; one more missing is not', async () => {
    const sessionOf = async (lostMinutes: number[]) => {
      const { vehicleId, meterId } = ids();
      const now = Date.now();
      const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();
      await request(t.app)
        .post('/v1/charging-sessions')
        .send(chargingSession({ vehicleId, meterId, startedAt: ago(10) }))
        .expect(201);
      const readings = [];
      // The reading of the minute ending now has not come in yet: nine of the ten are stored.
      for (let m = 9; m >= 1; m -= 1) {
        readings.push(meterReading({ meterId, timestamp: ago(m), kwhConsumedAc: 0.5 }));
        if (!lostMinutes.includes(m))
          readings.push(vehicleReading({ vehicleId, timestamp: ago(m), kwhDeliveredDc: 0.46 }));
      }
      await request(t.app).post('/v1/ingestion/batch').send(readings).expect(201);
      return performance(vehicleId, { hours: '1' });
    };
    expect(await sessionOf([])).toMatchObject({ coverageAc: 1, coverageDc: 1, dataQuality: [] });
    // A window reaching into tomorrow owes nothing after now.
    const tomorrow = await sessionOf([]);
    const future = await performance(tomorrow.vehicleId, {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(future).toMatchObject({ coverageAc: 1, coverageDc: 1, dataQuality: [] });
    expect(await sessionOf([5])).toMatchObject({ coverageAc: 1, coverageDc: 0.889, dataQuality: ['incomplete-dc'] });
  });

  it('with meterId, the meter covers the whole window', async () => {
    const { vehicleId, meterId } = ids();
    const window = await charge(t.app, '2026-02-08', [{ vehicleId, meterId, hour: 1, efficiency: 0.92 }]);
    // The meter and the vehicle reported during one hour of the 24 asked about: 60 readings of 1,440.
    expect(await performance(vehicleId, { ...window, meterId })).toMatchObject({
      coverageAc: 0.042,
      coverageDc: 0.042,
      dataQuality: ['incomplete-ac', 'incomplete-dc'],
    });
  });
});
