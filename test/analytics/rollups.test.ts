import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { meterReading, uniqueId, vehicleReading } from '../support/factories';
import { homeOf, maintenanceAt } from '../support/partitions';
import { expectRollupsExact } from '../support/rollups';

/** The rollups as the history triggers keep them, in the ingestion's own transaction. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const HOUR = 3_600_000;
/** The start of the current hour: readings on it belong to the hour before. */
const onTheHour = Math.floor(Date.now() / HOUR) * HOUR;
const at = (msBefore: number) => new Date(onTheHour - msBefore).toISOString();
const ingest = (batch: object[]) => request(t.app).post('/v1/ingestion/batch').send(batch).expect(201);
const query = <T = unknown>(sql: string, params: unknown[] = []) => t.db.dataSource.query<T[]>(sql, params);

describe('hourly and daily rollups follow history as readings arrive', () => {
  it('over HTTP, with duplicates and readings hours and days late, they equal a GROUP BY over history', async () => {
    const [meterId, otherMeter, vehicleId] = [uniqueId('MTR'), uniqueId('MTR'), uniqueId('VEH')];
    const meter = (msBefore: number, kwhConsumedAc: number, voltage = 230) =>
      meterReading({ meterId, timestamp: at(msBefore), kwhConsumedAc, voltage });
    const vehicle = (msBefore: number, soc: number, batteryTemp: number) =>
      vehicleReading({ vehicleId, timestamp: at(msBefore), soc, kwhDeliveredDc: 0.333333, batteryTemp });

    const batch = [
      meter(0, 1.1), // on the hour: the hour before's last reading
      meter(1, 2.2, 231.5),
      meter(HOUR / 2, 0.1234567, 229.25),
      meterReading({ meterId: otherMeter, timestamp: at(HOUR), kwhConsumedAc: 5 }),
      vehicle(60_000, 40.5, 21.25),
      vehicle(120_000, 41, -3.5),
    ];
    await ingest(batch);
    // The past days sealed: from here on, late readings of those days go to their daily rows as well.
    await t.services.rollups.seal();
    // The same readings again, some with other values, and two copies in one batch: none may count.
    await ingest([meter(0, 99), meter(1, 2.2, 231.5), vehicle(60_000, 99, 99), vehicle(60_000, 98, 98)]);
    await request(t.app)
      .post('/v1/ingestion/meter')
      .send(meter(HOUR / 2, 7))
      .expect(200);
    // Late: hours, days and more than a month behind, into hours that have readings already and new ones.
    await ingest([meter(3 * HOUR + 17, 0.5), meter(2 * 24 * HOUR, 0.75, 240), meter(40 * 24 * HOUR, 3, 250)]);
    await ingest([meter(HOUR / 2 + 1, 0.25, 228)]);
    for (const msBefore of [5 * 24 * HOUR, 5 * 24 * HOUR - 1]) {
      await request(t.app)
        .post('/v1/ingestion/vehicle')
        .send(vehicle(msBefore, 50, 30))
        .expect(201);
    }

    await expectRollupsExact(t.db.dataSource);
    const [hourBefore] = await query<{ readings: string; kwh_micro: string; voltage_max: number }>(
      `SELECT readings, kwh_micro, voltage_max FROM meter_rollup_hourly WHERE meter_id = $1 AND hour = $2`,
      [meterId, at(HOUR)],
    );
    // 1.1, 2.2, 0.1234567 and 0.25 kWh, each rounded to micro-kWh as analytics rounds it.
    expect(hourBefore).toEqual({
      readings: '4',
      kwh_micro: String(1_100_000 + 2_200_000 + 123_457 + 250_000),
      voltage_max: 231.5,
    });
  });

  it('a backfill with plain SQL into the history table, duplicates skipped, is counted once', async () => {
    const meterId = uniqueId('MTR');
    const backfill = `
      INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage)
      SELECT $1, $2::timestamptz - n * interval '7 minutes', n / 10.0, 220 + n FROM generate_series(1, 200) AS n
      ON CONFLICT (meter_id, ts) DO NOTHING`;
    await query(backfill, [meterId, at(10 * 24 * HOUR)]);
    await query(backfill, [meterId, at(10 * 24 * HOUR - 14 * 60_000)]); // overlaps the first by 198 rows
    const [{ readings }] = await query<{ readings: string }>(
      `SELECT sum(readings) AS readings FROM meter_rollup_hourly WHERE meter_id = $1`,
      [meterId],
    );
    expect(readings).toBe('202');
    await expectRollupsExact(t.db.dataSource);
  });

  it('partition maintenance moving rows out of the default partitions counts nothing twice', async () => {
    const [meterId, vehicleId] = [uniqueId('MTR'), uniqueId('VEH')];
    const month = '2025-03';
    // Sealed, so that the month's readings have daily rows as well as hourly ones.
    await t.services.rollups.seal();
    await request(t.app)
      .post('/v1/ingestion/batch')
      .send([
        meterReading({ meterId, timestamp: `${month}-10T10:20:00Z` }),
        meterReading({ meterId, timestamp: `${month}-31T23:59:59Z` }),
        vehicleReading({ vehicleId, timestamp: `${month}-01T00:00:00.001Z` }),
      ]);
    expect(Object.values(await homeOf(t.db.dataSource, 'meter', [meterId]))).toEqual(['meter_history_default']);

    const reports = await maintenanceAt(t.db.dataSource, `${month}-15T00:00:00Z`).maintain();

    // Per table: the meter's two readings and the vehicle's one, in their hours and in their days.
    expect(reports.map((report) => !report.skipped && report.movedFromDefault)).toEqual([2, 1, 2, 1, 2, 1]);
    const [{ home }] = await query<{ home: string }>(
      `SELECT tableoid::regclass::text AS home FROM meter_rollup_hourly WHERE meter_id = $1 LIMIT 1`,
      [meterId],
    );
    expect(home).toBe('meter_rollup_hourly_p20250301');
    await expectRollupsExact(t.db.dataSource);
  });

  it('/metrics tells up to when the rollups are sealed: the start of the current hour once sealed', async () => {
    const hourBefore = Math.floor(Date.now() / HOUR) * HOUR;
    await t.services.rollups.seal();
    const hourAfter = Math.floor(Date.now() / HOUR) * HOUR;
    const metrics = await request(t.app).get('/metrics').expect(200);
    const sealed = /^fleet_rollup_sealed_until_seconds (\d+)$/m.exec(metrics.text);
    const [{ until }] = await query<{ until: Date }>(`SELECT hours_until AS until FROM rollup_seal`);
    expect(Number(sealed?.[1]) * 1_000).toBe(until.getTime());
    expect([hourBefore, hourAfter]).toContain(until.getTime());
  });
});
