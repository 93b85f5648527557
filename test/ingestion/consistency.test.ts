import request from 'supertest';
import { createApp } from '../../src/app';
import { captureLogs } from '../support/log-capture';
import { createTestApp, type TestApp } from '../support/test-app';
import { meterReading, minutesAgo, vehicleReading } from '../support/factories';
import { historyRows, liveRow } from '../support/rows';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ DB_POOL_MAX: '8' });
});
afterAll(() => t.close());

describe('the dual write is one transaction', () => {
  it('when the live upsert fails, the history insert is rolled back too', async () => {
    // A constraint only the live table has makes the second half of the write fail.
    await t.db.dataSource.query('ALTER TABLE meter_live ADD CONSTRAINT test_low_voltage CHECK (voltage < 1000)');
    try {
      const body = meterReading({ voltage: 1500 });
      await request(t.app).post('/v1/ingestion/meter').send(body).expect(500);
      expect(await historyRows(t.db.dataSource, 'meter', body.meterId)).toHaveLength(0);

      const batch = [meterReading({ voltage: 230 }), meterReading({ voltage: 1500 })];
      await request(t.app).post('/v1/ingestion/batch').send(batch).expect(500);
      expect(await historyRows(t.db.dataSource, 'meter', batch[0].meterId)).toHaveLength(0);
    } finally {
      await t.db.dataSource.query('ALTER TABLE meter_live DROP CONSTRAINT test_low_voltage');
    }
  });

  it('an unexpected failure answers a 500 problem without internals and is logged', async () => {
    const { logger, lines } = captureLogs('error');
    const app = createApp({ config: t.config, logger, services: t.services });
    await t.db.dataSource.query('ALTER TABLE vehicle_history RENAME TO vehicle_history_moved');
    try {
      const res = await request(app).post('/v1/ingestion/vehicle').send(vehicleReading()).expect(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toEqual({
        type: '/problems/internal-error',
        title: 'Internal server error',
        status: 500,
        detail: 'An unexpected error occurred.',
        instance: '/v1/ingestion/vehicle',
      });
      expect(lines.join('')).toContain('vehicle_history');
    } finally {
      await t.db.dataSource.query('ALTER TABLE vehicle_history_moved RENAME TO vehicle_history');
    }
  });
});

describe('the live row only moves forward under concurrent writers', () => {
  it('whatever order concurrent requests for one meter commit in, live holds the newest reading', async () => {
    const meterId = meterReading().meterId;
    const readings = Array.from({ length: 40 }, (_, i) =>
      meterReading({ meterId, timestamp: minutesAgo(60 - i), kwhConsumedAc: i }),
    );
    const shuffled = [...readings].sort(() => Math.random() - 0.5);
    const responses = await Promise.all(shuffled.map((body) => request(t.app).post('/v1/ingestion/meter').send(body)));
    expect(responses.map((res) => res.status)).toEqual(shuffled.map(() => 201));

    const live = await liveRow(t.db.dataSource, 'meter', meterId);
    expect(live.ts.toISOString()).toBe(readings[39].timestamp);
    expect(live.kwh_consumed_ac).toBe(39);
    expect(await historyRows(t.db.dataSource, 'meter', meterId)).toHaveLength(40);
  });

  it('concurrent batches touching the same vehicles in opposite orders all commit', async () => {
    const ids = Array.from({ length: 10 }, () => vehicleReading().vehicleId);
    const batches = Array.from({ length: 6 }, (_, b) => {
      const order = b % 2 === 0 ? ids : [...ids].reverse();
      return order.map((vehicleId) => vehicleReading({ vehicleId, timestamp: minutesAgo(30 - b), soc: b }));
    });
    const responses = await Promise.all(batches.map((batch) => request(t.app).post('/v1/ingestion/batch').send(batch)));
    expect(responses.map((res) => res.status)).toEqual(batches.map(() => 201));
    for (const vehicleId of ids) {
      expect((await liveRow(t.db.dataSource, 'vehicle', vehicleId)).soc).toBe(5);
    }
  });
});
