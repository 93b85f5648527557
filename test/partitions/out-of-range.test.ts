import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { meterReading, minutesAgo, uniqueId, vehicleReading } from '../support/factories';
import { homeOf, maintenanceAt, partitionsOf } from '../support/partitions';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  // As at boot: the current month and three ahead, nothing behind.
  await maintenanceAt(t.db.dataSource, new Date().toISOString(), { ahead: 3 }).maintain();
});
afterAll(() => t.close());

const TWO_YEARS_MINUTES = 2 * 365 * 1_440;

describe('a reading no partition covers', () => {
  it('is stored (201) in the default partition, deduplicated there, and counted by analytics over its window', async () => {
    const vehicleId = uniqueId('VEH');
    const meterId = uniqueId('MTR');
    const at = new Date(Date.now() - TWO_YEARS_MINUTES * 60_000);
    const timestamp = at.toISOString();
    const covering = (await partitionsOf(t.db.dataSource, 'vehicle_history')).filter(
      ({ from, to }) => from !== null && to !== null && from <= at && at < to,
    );
    expect(covering).toEqual([]);

    await request(t.app)
      .post('/v1/ingestion/vehicle')
      .send(vehicleReading({ vehicleId, timestamp, kwhDeliveredDc: 4.5 }))
      .expect(201);
    await request(t.app)
      .post('/v1/ingestion/meter')
      .send(meterReading({ meterId, timestamp, kwhConsumedAc: 5 }))
      .expect(201);
    const retry = await request(t.app)
      .post('/v1/ingestion/meter')
      .send(meterReading({ meterId, timestamp, kwhConsumedAc: 5 }))
      .expect(200);
    expect(retry.body.duplicate).toBe(true);

    expect(await homeOf(t.db.dataSource, 'vehicle', [vehicleId])).toEqual({ [vehicleId]: 'vehicle_history_default' });
    expect(await homeOf(t.db.dataSource, 'meter', [meterId])).toEqual({ [meterId]: 'meter_history_default' });

    const window = {
      from: new Date(at.getTime() - 3_600_000).toISOString(),
      to: new Date(at.getTime() + 3_600_000).toISOString(),
    };
    const res = await request(t.app)
      .get(`/v1/analytics/performance/${vehicleId}`)
      .query({ ...window, meterId })
      .expect(200);
    expect(res.body).toMatchObject({
      recordCount: 1,
      totalKwhDeliveredDc: 4.5,
      totalKwhConsumedAc: 5,
      efficiencyRatio: 0.9,
    });
  });

  it('in a batch, lands beside readings routed to the current partition', async () => {
    const old = vehicleReading({ timestamp: minutesAgo(TWO_YEARS_MINUTES) });
    const recent = vehicleReading({ timestamp: minutesAgo(1) });
    const res = await request(t.app).post('/v1/ingestion/batch').send([old, recent]).expect(201);
    expect(res.body).toMatchObject({ stored: 2, rejected: 0 });

    const homes = await homeOf(t.db.dataSource, 'vehicle', [old.vehicleId, recent.vehicleId]);
    expect(homes[old.vehicleId]).toBe('vehicle_history_default');
    expect(homes[recent.vehicleId]).toMatch(/^vehicle_history_p\d{8}$/);
  });
});
