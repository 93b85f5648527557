import request from 'supertest';
import type { MigrationInterface } from 'typeorm';
import { BoundReadings1764420000000 } from '../../migrations/1764420000000-BoundReadings';
import { HourlyRollups1764430000000 } from '../../migrations/1764430000000-HourlyRollups';
import { EnergyRegisters1764490000000 } from '../../migrations/1764490000000-EnergyRegisters';
import { createTestApp, type TestApp } from '../support/test-app';
import { uniqueId } from '../support/factories';

/**
 * The migration run again over rows stored while no bound existed: each test drops the bounds, stores
 * its rows, and runs the migration, on a database of this file's own. The hourly rollups came after
 * the bounds and cannot sum such rows, so they are reverted first and made again last, as then; and
 * with them the registers' additions to them, which analytics reads.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const migrations: MigrationInterface[] = [
  new BoundReadings1764420000000(),
  new HourlyRollups1764430000000(),
  new EnergyRegisters1764490000000(),
];
const query = (sql: string, params: unknown[] = []) => t.db.dataSource.query(sql, params);

/** Each migration as the migration runner applies it: in a transaction unless it opts out. */
async function migrate(direction: 'up' | 'down'): Promise<void> {
  const runner = t.db.dataSource.createQueryRunner();
  try {
    for (const migration of direction === 'up' ? migrations : [...migrations].reverse()) {
      const transactional = migration.transaction !== false;
      if (transactional) await runner.startTransaction();
      await migration[direction](runner);
      if (transactional) await runner.commitTransaction();
    }
  } finally {
    await runner.release();
  }
}

const meterRow = (table: string) =>
  `INSERT INTO ${table} (meter_id, ts, kwh_consumed_ac, voltage) VALUES ($1, $2, $3, $4)`;
const vehicleRow = (table: string) =>
  `INSERT INTO ${table} (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp) VALUES ($1, $2, $3, $4, $5)`;

describe('migration BoundReadings over rows already out of bounds', () => {
  it('a stored 1e13 kWh reading fails the whole fleet read until the migration quarantines it', async () => {
    const [vehicleId, meterId] = [uniqueId('VEH'), uniqueId('MTR')];
    await migrate('down');
    await query(meterRow('meter_history'), [meterId, '2026-06-01T10:00Z', 1e13, 230]);
    await query(meterRow('meter_history'), [meterId, '2026-06-01T10:01Z', 2, 230]);
    await query(vehicleRow('vehicle_history'), [vehicleId, '2026-06-01T10:01Z', 50, 1.6, 20]);
    await query(
      `INSERT INTO charging_session (vehicle_id, meter_id, started_at) VALUES ($1, $2, '2026-06-01T09:00Z')`,
      [vehicleId, meterId],
    );
    const fleet = () =>
      request(t.app)
        .get('/v1/analytics/fleet/efficiency')
        .query({ from: '2026-06-01T00:00:00Z', to: '2026-06-02T00:00:00Z' });
    await fleet().expect(500);

    await migrate('up');
    const res = await fleet().expect(200);
    expect(res.body.vehicles).toMatchObject([{ vehicleId, totalKwhConsumedAc: 2, efficiencyRatio: 0.8 }]);
  });

  it('moves each row out of bounds to reading_quarantine with its table and reason, and keeps live status known', async () => {
    const [meterId, vehicleId, lonely] = [uniqueId('MTR'), uniqueId('VEH'), uniqueId('VEH')];
    await migrate('down');
    await query(meterRow('meter_history'), [meterId, '2026-07-01T10:00Z', 1.5, 230]);
    await query(meterRow('meter_history'), [meterId, '2026-07-01T10:01Z', 1e308, 230]);
    await query(meterRow('meter_live'), [meterId, '2026-07-01T10:01Z', 1e308, 230]);
    await query(vehicleRow('vehicle_history'), [vehicleId, '2026-07-01T10:00Z', 101, 'NaN', 20]);
    await query(vehicleRow('vehicle_live'), [lonely, '2026-07-01T10:00Z', 50, 1, -273]);

    await migrate('up');
    const quarantined = await query(
      `SELECT source, device_id AS "deviceId", ts, reason, reading FROM reading_quarantine
       WHERE device_id = ANY($1) ORDER BY source, ts`,
      [[meterId, vehicleId, lonely]],
    );
    expect(quarantined).toEqual([
      {
        source: 'meter_history',
        deviceId: meterId,
        ts: new Date('2026-07-01T10:01Z'),
        reason: 'kwh_consumed_ac outside 0..1000000',
        reading: expect.objectContaining({ meter_id: meterId, kwh_consumed_ac: 1e308, voltage: 230 }),
      },
      expect.objectContaining({
        source: 'meter_live',
        deviceId: meterId,
        reason: 'kwh_consumed_ac outside 0..1000000',
      }),
      {
        source: 'vehicle_history',
        deviceId: vehicleId,
        ts: new Date('2026-07-01T10:00Z'),
        reason: 'soc outside 0..100, kwh_delivered_dc outside 0..1000000',
        reading: expect.objectContaining({ soc: 101, kwh_delivered_dc: 'NaN' }),
      },
      expect.objectContaining({ source: 'vehicle_live', deviceId: lonely, reason: 'battery_temp outside -100..200' }),
    ]);
    // The meter's status falls back to its newest reading in bounds; the vehicle had none to fall back to.
    const status = await request(t.app).get(`/v1/meters/${meterId}`).expect(200);
    expect(status.body).toMatchObject({ kwhConsumedAc: 1.5, timestamp: '2026-07-01T10:00:00.000Z' });
    await request(t.app).get(`/v1/vehicles/${lonely}`).expect(404);
    const [{ validated }] = await query(
      `SELECT count(*)::int AS validated FROM pg_constraint
       WHERE conrelid = ANY ('{meter_history,meter_live,vehicle_history,vehicle_live}'::regclass[])
         AND contype = 'c' AND conname LIKE '%\\_range' AND convalidated`,
    );
    expect(validated).toBe(10); // two measured columns of each meter table, three of each vehicle table
  });
});
