import request from 'supertest';
import { PARTITIONED_TABLES } from '../../src/partitions/partition.tables';
import { createTestApp, type TestApp } from '../support/test-app';
import { chargingSession, meterReading, uniqueId, vehicleReading } from '../support/factories';
import { maintenanceAt } from '../support/partitions';
import { expectRollupsExact } from '../support/rollups';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const DAILY = { count: 1, unit: 'day' } as const;
/** The bound between the daily partitions of 1 and 2 March 2025. */
const BOUND = Date.parse('2025-03-02T00:00:00Z');
const at = (minutes: number) => new Date(BOUND + minutes * 60_000).toISOString();
const micro = (kwh: number) => Math.round(kwh * 1_000_000);

/** The AC and DC energy of the window, in micro-kWh, as each place that keeps or answers it has it. */
async function everyFigure(meterId: string, vehicleId: string, window: { from: string; to: string }) {
  const [history] = await t.db.dataSource.query(
    `SELECT (SELECT coalesce(sum((kwh_consumed_ac * 1000000)::bigint), 0)::int FROM meter_history
             WHERE meter_id = $1 AND ts > $3 AND ts <= $4) AS ac,
            (SELECT coalesce(sum((kwh_delivered_dc * 1000000)::bigint), 0)::int FROM vehicle_history
             WHERE vehicle_id = $2 AND ts > $3 AND ts <= $4) AS dc`,
    [meterId, vehicleId, window.from, window.to],
  );
  const [session] = await t.db.dataSource.query(
    `SELECT kwh_ac_micro::int AS ac, kwh_dc_micro::int AS dc FROM charging_session WHERE vehicle_id = $1`,
    [vehicleId],
  );
  const csvSum = async (path: string, column: string) => {
    const res = await request(t.app).get(path).query(window).set('Accept', 'text/csv').expect(200);
    const [header, ...lines] = res.text.trim().split('\n');
    const index = header.split(',').indexOf(column);
    return lines.reduce((sum, line) => sum + micro(Number(line.split(',')[index])), 0);
  };
  const performance = (await request(t.app).get(`/v1/analytics/performance/${vehicleId}`).query(window).expect(200))
    .body;
  const fleet = (
    await request(t.app).get('/v1/analytics/fleet/efficiency').query(window).expect(200)
  ).body.vehicles.find((item: { vehicleId: string }) => item.vehicleId === vehicleId);
  return {
    history,
    session,
    export: {
      ac: await csvSum(`/v1/meters/${meterId}/readings`, 'kwhConsumedAc'),
      dc: await csvSum(`/v1/vehicles/${vehicleId}/readings`, 'kwhDeliveredDc'),
    },
    performance: { ac: micro(performance.totalKwhConsumedAc), dc: micro(performance.totalKwhDeliveredDc) },
    fleet: { ac: micro(fleet.totalKwhConsumedAc), dc: micro(fleet.totalKwhDeliveredDc) },
  };
}

const everywhere = (figures: { ac: number; dc: number }) => ({
  history: figures,
  session: figures,
  export: figures,
  performance: figures,
  fleet: figures,
});

it('a reading at exactly a partition bound goes with its hour bucket: after the retention drop, history, rollups, the session total, performance, fleet and the CSV export give the same figures', async () => {
  const db = t.db.dataSource;
  await maintenanceAt(db, '2025-03-01T00:00:00Z', { interval: DAILY, ahead: 3 }).maintain();
  const meterId = uniqueId('MTR');
  const vehicleId = uniqueId('VEH');
  // Charging across the bound; one reading of each device exactly at it, in the hour bucket before it.
  await request(t.app)
    .post('/v1/charging-sessions')
    .send(chargingSession({ vehicleId, meterId, startedAt: at(-60), endedAt: at(120) }))
    .expect(201);
  const minutes = [-15, 0, 30, 90];
  await request(t.app)
    .post('/v1/ingestion/batch')
    .send([
      ...minutes.map((m) => meterReading({ meterId, timestamp: at(m), kwhConsumedAc: 1 })),
      ...minutes.map((m) => vehicleReading({ vehicleId, timestamp: at(m), kwhDeliveredDc: 0.9 })),
    ])
    .expect(201);
  await t.services.rollups.seal();
  const window = { from: at(-60), to: at(180) };
  expect(await everyFigure(meterId, vehicleId, window)).toEqual(everywhere({ ac: 4_000_000, dc: 3_600_000 }));

  // 30 days before noon on 1 April is noon on 2 March: the partitions of (1 March, 2 March] are wholly older.
  const reports = await maintenanceAt(db, '2025-04-01T12:00:00Z', {
    interval: DAILY,
    retention: { count: 30, unit: 'day' },
  }).maintain();
  expect(reports.map((report) => !report.skipped && report.dropped)).toEqual(
    PARTITIONED_TABLES.map((table) => [`${table}_p20250301`]),
  );
  // The session's readings after the bound are left; the seal counts it again from them.
  await t.services.rollups.seal();

  expect(await everyFigure(meterId, vehicleId, window)).toEqual(everywhere({ ac: 2_000_000, dc: 1_800_000 }));
  await expectRollupsExact(db);
});
