import { PartitionRepository } from '../../src/partitions/partition.repository';
import { RETENTION_SIDES } from '../../src/partitions/retention.repository';
import { createTestApp, type TestApp } from '../support/test-app';
import { uniqueId } from '../support/factories';
import { maintenanceAt, partitionNames } from '../support/partitions';
import { expectRollupsExact } from '../support/rollups';
import { testConfig } from '../support/test-database';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const RETAIN_13_MONTHS = { retention: { count: 13, unit: 'month' } } as const;

/** Readings of one meter and one vehicle every `minutes` from `from` up to `to`, through the parents as a backfill writes them. */
async function backfill(meterId: string, vehicleId: string, from: string, to: string, minutes = 1) {
  const series = `generate_series($2::timestamptz, $3::timestamptz, $4::int * interval '1 second') AS ts`;
  await t.db.dataSource.query(
    `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage) SELECT $1, ts, 0.01, 230 FROM ${series}`,
    [meterId, from, to, Math.round(minutes * 60)],
  );
  await t.db.dataSource.query(
    `INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
     SELECT $1, ts, 50, 0.009, 20 FROM ${series}`,
    [vehicleId, from, to, Math.round(minutes * 60)],
  );
}

/** Each counted session's stored readings, beside what counting them afresh gives: equal when coverage holds. */
async function expectReadingsCounted(vehicleId: string) {
  const sessions = await t.db.dataSource.query(
    `SELECT ac_readings::int AS ac, dc_readings::int AS dc,
            meter_readings(meter_id, started_at, ended_at)::int AS ac_now,
            vehicle_readings(vehicle_id, started_at, ended_at)::int AS dc_now
     FROM charging_session WHERE vehicle_id = $1 AND ended_at IS NOT NULL ORDER BY started_at`,
    [vehicleId],
  );
  for (const { ac, dc, ac_now, dc_now } of sessions) expect([ac, dc]).toEqual([ac_now, dc_now]);
  return sessions as Array<{ ac: number; dc: number }>;
}

/** Each of the vehicle's sessions: its stored energy, and what counting its readings afresh gives. */
const sessionsOf = (vehicleId: string) =>
  t.db.dataSource.query(
    `SELECT started_at, kwh_ac_micro::bigint::text AS ac, kwh_dc_micro::bigint::text AS dc,
            meter_kwh_micro(meter_id, started_at, ended_at)::bigint::text AS ac_now,
            vehicle_kwh_micro(vehicle_id, started_at, ended_at)::bigint::text AS dc_now
     FROM charging_session WHERE vehicle_id = $1 ORDER BY started_at`,
    [vehicleId],
  );

it('expires backfilled readings of the default partition older than the retention, a batch at a time, with their rollups and their sessions’ energy', async () => {
  const db = t.db.dataSource;
  const [meterId, vehicleId] = [uniqueId('MTR'), uniqueId('VEH')];
  // The first partition is June 2025; everything before it waits in the default partitions.
  await maintenanceAt(db, '2025-06-15T00:00:00Z', { ahead: 1 }).maintain();
  // More expired readings than one batch takes; then some across the expiry bound, and some kept.
  await backfill(meterId, vehicleId, '2024-03-01T00:00:00Z', '2024-03-05T23:59:00Z');
  await backfill(meterId, vehicleId, '2024-05-19T22:00:00Z', '2024-05-20T02:00:00Z', 15);
  await backfill(meterId, vehicleId, '2024-09-01T00:00:00Z', '2024-09-01T02:00:00Z', 15);
  await db.query(
    `INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at) VALUES
       ($1, $2, '2024-03-02T08:00:00Z', '2024-03-02T12:00:00Z'),
       ($1, $2, '2024-05-19T23:00:00Z', '2024-05-20T01:00:00Z'),
       ($1, $2, '2024-09-01T00:00:00Z', '2024-09-01T02:00:00Z')`,
    [vehicleId, meterId],
  );
  await t.services.rollups.seal();
  expect((await sessionsOf(vehicleId)).map((s: { ac: string }) => s.ac)).toEqual(['2400000', '80000', '80000']);

  // 13 months before 20 June 2025 is 20 May 2024, before the first partition: readings up to its midnight expire.
  const reports = await maintenanceAt(db, '2025-06-20T12:00:00Z', { ahead: 1, ...RETAIN_13_MONTHS }).maintain();

  const expired = 5 * 1_440 + 9; // five days a minute apart, and 22:00 to midnight a quarter-hour apart
  for (const [index, table] of ['meter_history', 'vehicle_history'].entries()) {
    expect(reports[index]).toMatchObject({
      table,
      dropped: [],
      expiry: { before: '2024-05-20T00:00:00.000Z', expired, complete: true },
    });
  }
  const [left] = await db.query(
    `SELECT (SELECT array_agg(ts ORDER BY ts) FROM meter_history_default WHERE meter_id = $1) AS meter,
            (SELECT count(*)::int FROM vehicle_history_default WHERE vehicle_id = $2) AS vehicle`,
    [meterId, vehicleId],
  );
  expect(left.meter.map((ts: Date) => ts.toISOString())).toEqual([
    ...['00:15', '00:30', '00:45', '01:00', '01:15', '01:30', '01:45', '02:00'].map((hm) => `2024-05-20T${hm}:00.000Z`),
    ...['00:00', '00:15', '00:30', '00:45', '01:00', '01:15', '01:30', '01:45', '02:00'].map(
      (hm) => `2024-09-01T${hm}:00.000Z`,
    ),
  ]);
  expect(left.vehicle).toBe(17);
  // The session wholly expired has nothing left; the one across the bound keeps its readings after it.
  expect(await sessionsOf(vehicleId)).toEqual([
    expect.objectContaining({ ac: '0', dc: '0', ac_now: '0', dc_now: '0' }),
    expect.objectContaining({ ac: '40000', dc: '36000', ac_now: '40000', dc_now: '36000' }),
    expect.objectContaining({ ac: '80000', dc: '72000', ac_now: '80000', dc_now: '72000' }),
  ]);
  expect(await expectReadingsCounted(vehicleId)).toEqual([
    { ac: 0, dc: 0, ac_now: 0, dc_now: 0 },
    { ac: 4, dc: 4, ac_now: 4, dc_now: 4 },
    { ac: 8, dc: 8, ac_now: 8, dc_now: 8 },
  ]);
  await expectRollupsExact(db);
  expect(await partitionNames(db, 'meter_history')).toEqual([
    'meter_history_p20250601',
    'meter_history_p20250701',
    'meter_history_default',
  ]);
});

it('a late reading into a dropped partition’s span waits in the default partition, counted everywhere, until the next run expires it', async () => {
  const db = t.db.dataSource;
  const [meterId, vehicleId] = [uniqueId('MTR'), uniqueId('VEH')];
  await maintenanceAt(db, '2023-01-15T00:00:00Z', { ahead: 1 }).maintain();
  await db.query(
    `INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
     VALUES ($1, $2, '2023-01-10T08:00:00Z', '2023-01-10T12:00:00Z')`,
    [vehicleId, meterId],
  );
  await backfill(meterId, vehicleId, '2023-01-10T09:00:00Z', '2023-01-10T11:00:00Z', 30);
  await t.services.rollups.seal();
  expect(await sessionsOf(vehicleId)).toEqual([expect.objectContaining({ ac: '50000', ac_now: '50000' })]);

  const retention = maintenanceAt(db, '2024-06-01T00:00:00Z', RETAIN_13_MONTHS);
  const [meter] = await retention.maintain();
  expect(meter).toMatchObject({
    dropped: ['meter_history_p20230101', 'meter_history_p20230201'],
    expiry: { recounted: 1, complete: true },
  });
  expect(await sessionsOf(vehicleId)).toEqual([expect.objectContaining({ ac: '0', dc: '0', ac_now: '0' })]);

  // A device uploading what it kept: stored, in the default partition, and counted in its session.
  await backfill(meterId, vehicleId, '2023-01-10T10:10:00Z', '2023-01-10T10:10:00Z');
  expect(await sessionsOf(vehicleId)).toEqual([expect.objectContaining({ ac: '10000', ac_now: '10000' })]);
  await expectRollupsExact(db);

  const [again] = await retention.maintain();
  expect(again).toMatchObject({ expiry: { expired: 1, complete: true } });
  expect(await sessionsOf(vehicleId)).toEqual([expect.objectContaining({ ac: '0', dc: '0', ac_now: '0' })]);
  await expectRollupsExact(db);
});

it('a full battery’s session, which took no energy, has its readings recounted when they expire', async () => {
  const db = t.db.dataSource;
  const [meterId, vehicleId] = [uniqueId('MTR'), uniqueId('VEH')];
  await maintenanceAt(db, '2023-03-15T00:00:00Z', { ahead: 1 }).maintain();
  await db.query(
    `INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
     VALUES ($1, $2, '2023-03-10T08:00:00Z', '2023-03-10T10:00:00Z')`,
    [vehicleId, meterId],
  );
  await db.query(
    `INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
     SELECT $1, ts, 100, 0, 20 FROM generate_series('2023-03-10T08:30:00Z'::timestamptz, '2023-03-10T09:30:00Z', '30 minutes') ts`,
    [vehicleId],
  );
  await t.services.rollups.seal();
  expect(await expectReadingsCounted(vehicleId)).toMatchObject([{ dc: 3 }]);
  await maintenanceAt(db, '2024-08-01T00:00:00Z', RETAIN_13_MONTHS).maintain();
  expect(await expectReadingsCounted(vehicleId)).toMatchObject([{ dc: 0 }]);
});

it('a device-day denser than a batch expires over several batches of whole hours, rollups and session energy exact after each', async () => {
  const db = t.db.dataSource;
  const [meterId, vehicleId] = [uniqueId('MTR'), uniqueId('VEH')];
  // A reading every 10 s for a day: 8,640, more than the 5,000 a batch takes.
  await backfill(meterId, vehicleId, '2022-03-10T00:00:10Z', '2022-03-11T00:00:00Z', 1 / 6);
  await db.query(
    `INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
     VALUES ($1, $2, '2022-03-10T06:00:00Z', '2022-03-10T18:00:00Z')`,
    [vehicleId, meterId],
  );
  await t.services.rollups.seal();
  const retention = new PartitionRepository(db, testConfig().db.lockTimeoutMs).retention;

  for (const side of RETENTION_SIDES) {
    const batches: number[] = [];
    for (let readings = -1; readings !== 0;) {
      ({ readings } = await retention.expire(side, new Date('2022-04-01T00:00:00Z'), 5_000));
      batches.push(readings);
      await expectRollupsExact(db);
      const [session] = await sessionsOf(vehicleId);
      expect([session.ac, session.dc]).toEqual([session.ac_now, session.dc_now]);
    }
    expect(batches.length).toBeGreaterThan(2);
    expect(batches.every((readings) => readings <= 5_000 && readings % 360 === 0)).toBe(true);
    expect(batches.reduce((sum, readings) => sum + readings, 0)).toBe(8_640);
  }
  expect(await sessionsOf(vehicleId)).toEqual([expect.objectContaining({ ac: '0', dc: '0' })]);
});

it('a register gap across a session’s start that expires takes only its share out of the session', async () => {
  const db = t.db.dataSource;
  const [meterId, vehicleId] = [uniqueId('MTR'), uniqueId('VEH')];
  await maintenanceAt(db, '2025-06-15T00:00:00Z', { ahead: 1 }).maintain();
  const stored = (ts: string, register: number, kwh: number, bridged: number, gapFrom: string | null) =>
    db.query(
      `INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, kwh_register_dc, register_base, bridged, gap_from)
       VALUES ($1, $2, 50, $3, 20, $4, $4, $5, $6)`,
      [vehicleId, ts, kwh, register, bridged, gapFrom],
    );
  // A minute vehicle: 23:50 closes a 50-minute gap (1 kWh at each of 23:01 … 23:50), 00:10 a 20-minute
  // one (1 kWh at each of 23:51 … 00:10), then a reading a minute to 00:30.
  await stored('2024-05-19T23:00:00Z', 100, 0, 0, null);
  await stored('2024-05-19T23:50:00Z', 150, 50, 49, '2024-05-19T23:00:00Z');
  await stored('2024-05-20T00:10:00Z', 170, 20, 19, '2024-05-19T23:50:00Z');
  for (let minute = 11; minute <= 30; minute++) {
    await stored(`2024-05-20T00:${String(minute).padStart(2, '0')}:00Z`, 160 + minute, 1, 0, null);
  }
  await db.query(
    `INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
     VALUES ($1, $2, '2024-05-19T23:45:00Z', '2024-05-20T00:30:00Z')`,
    [vehicleId, meterId],
  );
  await t.services.rollups.seal();
  // 23:46 … 00:30: 45 points of 1 kWh.
  expect(await sessionsOf(vehicleId)).toMatchObject([{ dc: '45000000', dc_now: '45000000' }]);

  // The expiry bound is midnight: the 23:00 and 23:50 readings go, and with the 23:50 one its 5 points
  // inside the session (23:46 … 23:50), not its 50 kWh. 00:10's gap still spreads back to 23:51.
  await maintenanceAt(db, '2025-06-20T12:00:00Z', { ahead: 1, ...RETAIN_13_MONTHS }).maintain();
  expect(await sessionsOf(vehicleId)).toMatchObject([{ dc: '40000000', dc_now: '40000000' }]);
  expect(await expectReadingsCounted(vehicleId)).toMatchObject([{ dc: 40 }]);
});
