import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { uniqueId } from '../support/factories';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const query = (sql: string, params: unknown[] = []) => t.db.dataSource.query(sql, params);

/** 2025 has no leap day: from 00:00 on 1 January to the next, exactly the longest window, 8,760 hours. */
const YEAR = { from: '2025-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' };
const MINUTES = 525_600;
const MAX_KWH = 1_000_000;

describe('analytics over every value the bounds admit', () => {
  const vehicleId = uniqueId('VEH');
  const meterId = uniqueId('MTR');

  /*
   * A reading every minute of the year, each interval (from, to] of the window, all at the bounds: the
   * meter at the highest energy and voltages alternating between 0 and 2,000 V; the vehicle alternating
   * between the lowest and the highest energy, state of charge and battery temperature. One session
   * spans the year.
   */
  beforeAll(async () => {
    await query(
      `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage)
       SELECT $1, $2::timestamptz + i * interval '1 minute', ${MAX_KWH}, (i % 2) * 2000
       FROM generate_series(1, ${MINUTES}) AS i`,
      [meterId, YEAR.from],
    );
    await query(
      `INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
       SELECT $1, $2::timestamptz + i * interval '1 minute', (i % 2) * 100, (i % 2) * ${MAX_KWH}, -100 + (i % 2) * 300
       FROM generate_series(1, ${MINUTES}) AS i`,
      [vehicleId, YEAR.from],
    );
    await query(`INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at) VALUES ($1, $2, $3, $4)`, [
      vehicleId,
      meterId,
      YEAR.from,
      YEAR.to,
    ]);
  });

  const EXPECTED = {
    vehicleId,
    totalKwhConsumedAc: MINUTES * MAX_KWH, // 525,600,000,000 kWh, summed as 5.256e17 micro-kWh
    totalKwhDeliveredDc: (MINUTES / 2) * MAX_KWH,
    kwhDeliveredDcOutsideSessions: 0,
    efficiencyRatio: 0.5,
    averageBatteryTemp: 50, // as many readings at -100 °C as at 200 °C
    recordCount: MINUTES,
    meterIds: [meterId],
    lowEfficiency: true,
    coverageAc: 1,
    coverageDc: 1,
    dataQuality: [],
  };

  it('performance answers 200 with the exact totals', async () => {
    const res = await request(t.app).get(`/v1/analytics/performance/${vehicleId}`).query(YEAR).expect(200);
    expect(res.body).toEqual({ ...EXPECTED, periodStart: YEAR.from, periodEnd: YEAR.to });
  });

  it('performance with meterId answers 200 with the same totals', async () => {
    const res = await request(t.app)
      .get(`/v1/analytics/performance/${vehicleId}`)
      .query({ ...YEAR, meterId })
      .expect(200);
    expect(res.body).toMatchObject({ ...EXPECTED, dataQuality: [] });
  });

  it('the fleet answers 200 with the same figures', async () => {
    const res = await request(t.app).get('/v1/analytics/fleet/efficiency').query(YEAR).expect(200);
    const item = res.body.vehicles.find((vehicle: { vehicleId: string }) => vehicle.vehicleId === vehicleId);
    expect(item).toEqual({
      ...EXPECTED,
      periodStart: YEAR.from,
      periodEnd: YEAR.to,
      suspect: null,
      suspectReason: null,
    });
  });
});

describe('the database refuses a reading outside the physical bounds', () => {
  const OUT_OF_BOUNDS: Array<[string, number | string]> = [
    ['kwh_consumed_ac', -0.001],
    ['kwh_consumed_ac', 1_000_000.001],
    ['kwh_consumed_ac', 1e13],
    ['kwh_consumed_ac', 1e308],
    ['kwh_consumed_ac', 'NaN'],
    ['kwh_consumed_ac', 'Infinity'],
    ['voltage', -1],
    ['voltage', 2000.1],
    ['soc', -0.1],
    ['soc', 100.1],
    ['kwh_delivered_dc', 1e13],
    ['kwh_delivered_dc', '-Infinity'],
    ['battery_temp', -100.1],
    ['battery_temp', 200.1],
    ['battery_temp', 'NaN'],
  ];
  const INSERTS = {
    meter: (table: string) =>
      `INSERT INTO ${table} (meter_id, ts, kwh_consumed_ac, voltage) VALUES ($1, now(), $2, $3)`,
    vehicle: (table: string) =>
      `INSERT INTO ${table} (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp) VALUES ($1, now(), $2, $3, $4)`,
  };
  const valid = { kwh_consumed_ac: 1, voltage: 230, soc: 50, kwh_delivered_dc: 1, battery_temp: 20 };
  const cases = OUT_OF_BOUNDS.flatMap(([column, value]) => {
    const kind = ['kwh_consumed_ac', 'voltage'].includes(column) ? 'meter' : 'vehicle';
    return ['history', 'live'].map((role) => ({ table: `${kind}_${role}`, kind, column, value }));
  });

  it.each(cases)('$table refuses $column = $value with 23514', async ({ table, kind, column, value }) => {
    const row = { ...valid, [column]: value };
    const values =
      kind === 'meter' ? [row.kwh_consumed_ac, row.voltage] : [row.soc, row.kwh_delivered_dc, row.battery_temp];
    await expect(
      query(INSERTS[kind as 'meter' | 'vehicle'](table), [uniqueId('DEV'), ...values]),
    ).rejects.toMatchObject({
      code: '23514',
      constraint: `${table}_${column}_range`,
    });
  });

  it('every table stores a reading exactly at each bound', async () => {
    const stored = async (table: string, kind: 'meter' | 'vehicle', values: number[]) => {
      const id = uniqueId(kind === 'meter' ? 'MTR' : 'VEH');
      await query(INSERTS[kind](table), [id, ...values]);
      const columns = kind === 'meter' ? 'kwh_consumed_ac, voltage' : 'soc, kwh_delivered_dc, battery_temp';
      const rows: Array<Record<string, string | number>> = await query(
        `SELECT ${columns} FROM ${table} WHERE ${kind}_id = $1`,
        [id],
      );
      return rows.map((row) => Object.values(row).map(Number));
    };
    for (const values of [
      [0, 0],
      [MAX_KWH, 2000],
    ]) {
      for (const table of ['meter_history', 'meter_live'])
        expect(await stored(table, 'meter', values)).toEqual([values]);
    }
    for (const values of [
      [0, 0, -100],
      [100, MAX_KWH, 200],
    ]) {
      for (const table of ['vehicle_history', 'vehicle_live'])
        expect(await stored(table, 'vehicle', values)).toEqual([values]);
    }
  });
});
