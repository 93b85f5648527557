import request from 'supertest';
import { RollupRepository } from '../../src/analytics/rollup.repository';
import { uniqueId } from '../support/factories';
import { expectRollupsExact } from '../support/rollups';
import { testAppsClosedAfterAll, type TestApp } from '../support/test-app';

/*
 * A register reading that closes a gap stands for the gap's readings ("points"), one per reporting
 * interval (60 s here), each carrying floor(M·k/(b+1)) − floor(M·(k−1)/(b+1)) of its M micro-kWh: a span
 * cutting the gap (an hour, a session, a window) takes the points inside it (docs: spread-spec).
 */
const app = testAppsClosedAfterAll();
let t: TestApp;
beforeAll(async () => {
  t = await app({ READING_INTERVAL_SECONDS: '60' });
});

const hm = (hours: number, minutes: number) => hours * 60 + minutes;
const at = (day: string, minute: number, second = 0) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + (minute * 60 + second) * 1000).toISOString();

type Reading = (timestamp: string, register: number) => object;
const meterOf =
  (meterId: string): Reading =>
  (timestamp, kwhRegisterAc) => ({
    meterId,
    kwhRegisterAc,
    voltage: 230,
    timestamp,
  });
const vehicleOf =
  (vehicleId: string): Reading =>
  (timestamp, kwhRegisterDc) => ({
    vehicleId,
    soc: 50,
    kwhRegisterDc,
    batteryTemp: 20,
    timestamp,
  });
/** `count` readings a minute from minute `first` of `day`, the register rising `step` kWh a minute from `register`. */
const run = (reading: Reading, day: string, first: number, count: number, register: number, step: number) =>
  Array.from({ length: count }, (_, k) => reading(at(day, first + k), register + k * step));
/** Plain AC readings of 0.8 kWh a minute over (from, from + count minutes]. */
const ac = (meterId: string, day: string, from: number, count: number) =>
  Array.from({ length: count }, (_, k) => ({
    meterId,
    kwhConsumedAc: 0.8,
    voltage: 230,
    timestamp: at(day, from + 1 + k),
  }));

async function post(on: TestApp, ...readings: object[]) {
  await request(on.app).post('/v1/ingestion/batch').send(readings).expect(201);
}
const session = (vehicleId: string, meterId: string, startedAt: string, endedAt: string) =>
  request(t.app).post('/v1/charging-sessions').send({ vehicleId, meterId, startedAt, endedAt }).expect(201);
const performance = async (vehicleId: string, query: Record<string, string>) =>
  (await request(t.app).get(`/v1/analytics/performance/${vehicleId}`).query(query).expect(200)).body;
/** The figures the seal counted into the vehicle's one session, in micro-kWh and readings. */
async function counted(vehicleId: string) {
  const [row] = await t.db.dataSource.query(
    `SELECT kwh_ac_micro::int AS ac, ac_readings::int AS "acReadings", kwh_dc_micro::int AS dc, dc_readings::int AS "dcReadings"
     FROM charging_session WHERE vehicle_id = $1`,
    [vehicleId],
  );
  return row;
}
async function series(on: TestApp, meterId: string, day: string, bucket: '1h' | '1d') {
  const query = { from: at(day, hm(9, 0)), to: at(day, hm(11, 0)), bucket };
  const res = await request(on.app).get(`/v1/analytics/meters/${meterId}/series`).query(query).expect(200);
  return res.body.points.map((p: { start: string; readings: number; kwh: number; coverage: number }) => ({
    start: p.start,
    readings: p.readings,
    kwh: p.kwh,
    coverage: p.coverage,
  }));
}

/**
 * A meter reading 09:30–09:50 (1000 kWh, +0.5 a minute), silent until 10:10 (+12.000001 over the 20 min:
 * bridged 19, 20 points 09:51 … 10:10), then 10:11–10:30 (+0.5 a minute).
 */
const gapMeter = (meterId: string, day: string) => {
  const meter = meterOf(meterId);
  return {
    before: run(meter, day, hm(9, 30), 21, 1000, 0.5),
    closing: [meter(at(day, hm(10, 10)), 1022.000001), ...run(meter, day, hm(10, 11), 20, 1022.500001, 0.5)],
  };
};
async function expectSpreadOverTheHour(on: TestApp, meterId: string, day: string) {
  // 09:51–10:00 are points 1–10 of 20: floor(12000001·10/20) µkWh = 6 kWh; 10:01–10:10 the other 6.000001.
  expect(await series(on, meterId, day, '1h')).toEqual([
    // 21 rows (09:30 carries 0): 20 × 0.5 + 6 = 16 kWh; covered 21 + 10 of 60 = 0.517
    { start: at(day, hm(9, 0)), readings: 21, kwh: 16, coverage: 0.517 },
    // 21 rows: 6.000001 + 20 × 0.5 = 16.000001 kWh; covered 10 + 20 of 60 = 0.5
    { start: at(day, hm(10, 0)), readings: 21, kwh: 16.000001, coverage: 0.5 },
  ]);
  // The whole: 10 + 12.000001 + 10 kWh, 61 of 120 covered, as without the spread.
  expect(await series(on, meterId, day, '1d')).toEqual([
    { start: at(day, 0), readings: 42, kwh: 32.000001, coverage: 0.508 },
  ]);
}

it('an hour edge inside a meter’s register gap gives each hour the energy and coverage of its points of the gap', async () => {
  const meterId = uniqueId('SPREAD-M');
  const { before, closing } = gapMeter(meterId, '2026-11-03');
  await post(t, ...before, ...closing);
  await expectSpreadOverTheHour(t, meterId, '2026-11-03');
});

it('a session ending inside a vehicle’s register gap holds only the gap’s points before its end, the rest is DC outside sessions', async () => {
  const day = '2026-11-04';
  for (const closesAfterCount of [false, true]) {
    const [vehicleId, meterId] = [uniqueId('SPREAD-V'), uniqueId('SPREAD-M')];
    const vehicle = vehicleOf(vehicleId);
    // 09:30–09:50 from 100, +0.75 a minute (115 at 09:50); 10:10 at 130.000003 (gap of 15.000003: 20 points);
    // 10:11–10:20 +0.75 a minute. The session is (09:30, 10:00], fed 0.8 kWh AC a minute: 24 kWh, 30 readings.
    const before = [...run(vehicle, day, hm(9, 30), 21, 100, 0.75), ...ac(meterId, day, hm(9, 30), 30)];
    const closing = [vehicle(at(day, hm(10, 10)), 130.000003), ...run(vehicle, day, hm(10, 11), 10, 130.750003, 0.75)];
    await post(t, ...before, ...(closesAfterCount ? [] : closing));
    await session(vehicleId, meterId, at(day, hm(9, 30)), at(day, hm(10, 0)));
    await t.services.rollups.seal();
    if (closesAfterCount) {
      // Counted before the gap closed: 20 × 0.75 kWh in 20 readings.
      expect(await counted(vehicleId)).toEqual({ ac: 24_000_000, acReadings: 30, dc: 15_000_000, dcReadings: 20 });
      await post(t, ...closing);
    }
    // Points 09:51–10:00 (1–10 of 20) are the session's: floor(15000003·10/20) = 7500001 µkWh, 10 readings.
    expect(await counted(vehicleId)).toEqual({ ac: 24_000_000, acReadings: 30, dc: 22_500_001, dcReadings: 30 });
    // Window DC 15 + 15.000003 + 7.5 = 37.500003, less the session's 22.500001; ratio 22.500001/24 = 0.9375.
    expect(await performance(vehicleId, { from: at(day, hm(9, 0)), to: at(day, hm(11, 0)) })).toMatchObject({
      totalKwhConsumedAc: 24,
      totalKwhDeliveredDc: 22.500001,
      kwhDeliveredDcOutsideSessions: 15.000002,
      efficiencyRatio: 0.938,
      coverageAc: 1,
      coverageDc: 1,
      recordCount: 32,
    });
    // The session clipped to (09:45, 10:00]: AC 15 × 0.8; DC 5 × 0.75 + 7.500001, in 5 + 10 of 15 readings.
    // Window DC 3.75 + 15.000003 + 7.5 = 26.250003; outside it 26.250003 − 11.250001.
    expect(await performance(vehicleId, { from: at(day, hm(9, 45)), to: at(day, hm(11, 0)) })).toMatchObject({
      totalKwhConsumedAc: 12,
      totalKwhDeliveredDc: 11.250001,
      kwhDeliveredDcOutsideSessions: 15.000002,
      coverageAc: 1,
      coverageDc: 1,
      recordCount: 16,
    });
  }
});

it('a late reading splitting a gap across a counted session’s start restates the session’s energy and readings at once', async () => {
  const day = '2026-11-05';
  const [vehicleId, meterId] = [uniqueId('SPREAD-V'), uniqueId('SPREAD-M')];
  const vehicle = vehicleOf(vehicleId);
  // 08:30–08:50 from 185, +0.75 a minute (200 at 08:50); 09:10 at 215.000003; 09:11–09:30 +0.75 a minute.
  await post(
    t,
    ...run(vehicle, day, hm(8, 30), 21, 185, 0.75),
    vehicle(at(day, hm(9, 10)), 215.000003),
    ...run(vehicle, day, hm(9, 11), 20, 215.750003, 0.75),
    ...ac(meterId, day, hm(9, 0), 30),
  );
  await session(vehicleId, meterId, at(day, hm(9, 0)), at(day, hm(9, 30)));
  await t.services.rollups.seal();
  const window = { from: at(day, hm(8, 0)), to: at(day, hm(10, 0)) };
  // Points 09:01–09:10 (11–20 of 20): 15000003 − floor(15000003·10/20) = 7500002, + 20 × 0.75 after 09:10.
  expect(await counted(vehicleId)).toEqual({ ac: 24_000_000, acReadings: 30, dc: 22_500_002, dcReadings: 30 });
  expect(await performance(vehicleId, window)).toMatchObject({
    totalKwhDeliveredDc: 22.500002,
    kwhDeliveredDcOutsideSessions: 22.500001, // 15 + 7.500001
  });

  // 08:55:20 at 210: 10 kWh over 320 s (bridged 4). 09:10 is restated to 5.000003 kWh over 880 s: round(14.67)
  // = 15 points, point i at 08:55:20 + i·58.67 s; inside (09:00, 09:30] when i·880 > 280·15, i.e. i = 5 … 15:
  // 11 points, 5000003 − floor(5000003·4/15) = 5000003 − 1333334 = 3666669 µkWh.
  await post(t, vehicle(at(day, hm(8, 55), 20), 210));
  expect(await counted(vehicleId)).toEqual({ ac: 24_000_000, acReadings: 30, dc: 18_666_669, dcReadings: 31 });
  // Outside: 15 + 10 + 1.333334; ratio 18.666669 / 24 = 0.7778.
  expect(await performance(vehicleId, window)).toMatchObject({
    totalKwhConsumedAc: 24,
    totalKwhDeliveredDc: 18.666669,
    kwhDeliveredDcOutsideSessions: 26.333334,
    efficiencyRatio: 0.778,
    coverageDc: 1,
    recordCount: 43,
  });
});

it('an analytics window whose edges fall inside register gaps counts only the points inside it', async () => {
  const day = '2026-11-06';
  const [vehicleId, meterId] = [uniqueId('SPREAD-V'), uniqueId('SPREAD-M')];
  const meter = meterOf(meterId);
  const vehicle = vehicleOf(vehicleId);
  await post(
    t,
    // Meter: 09:40–09:50 from 1000, +1 a minute; 10:10 at 1030.000001 (20 points); 10:11–10:40 +1 a minute.
    ...run(meter, day, hm(9, 40), 11, 1000, 1),
    meter(at(day, hm(10, 10)), 1030.000001),
    ...run(meter, day, hm(10, 11), 30, 1031.000001, 1),
    // Vehicle: 10:20–10:50 from 500, +0.75 a minute; 11:10 at 537.500003 (20 points); 11:11–11:15.
    ...run(vehicle, day, hm(10, 20), 31, 500, 0.75),
    vehicle(at(day, hm(11, 10)), 537.500003),
    ...run(vehicle, day, hm(11, 11), 5, 538.250003, 0.75),
  );
  // Over (10:00, 11:00], all the meter's: AC 20000001 − floor(20000001·10/20) = 10000001 µkWh + 30 × 1, covered
  // 10 + 30 of 60; DC 30 × 0.75 + floor(15000003·10/20) = 22.5 + 7.500001, covered 1 + 30 + 10 of 60.
  expect(await performance(vehicleId, { from: at(day, hm(10, 0)), to: at(day, hm(11, 0)), meterId })).toMatchObject({
    totalKwhConsumedAc: 40.000001,
    totalKwhDeliveredDc: 30.000001,
    kwhDeliveredDcOutsideSessions: 0,
    efficiencyRatio: 0.75,
    coverageAc: 0.667,
    coverageDc: 0.683,
    recordCount: 31,
    lowEfficiency: false,
    dataQuality: ['incomplete-ac', 'incomplete-dc'],
  });
});

it('a gap across an hour sealed before the closing reading came answers as one closed before the seal', async () => {
  const day = '2026-11-07';
  const other = await app({ READING_INTERVAL_SECONDS: '60' });
  const rollups = new RollupRepository(other.db.dataSource, other.config.db.lockTimeoutMs);
  const sealTo = (hour: number) => rollups.seal(new Date(at(day, hm(hour, 0))), new Date(at(day, 0)));
  // Nothing stored yet: the seal is set back to 09:00, so that it can move through the gap.
  await other.db.dataSource.query(`UPDATE rollup_seal SET hours_until = $1, days_until = $2`, [
    at(day, hm(9, 0)),
    at(day, 0),
  ]);
  // A closes before 09:00–10:00 is sealed, B once it is, C once 10:00–11:00 is sealed too.
  const [a, b, c] = ['A', 'B', 'C'].map((name) => uniqueId(`SPREAD-${name}`));
  const [ma, mb, mc] = [a, b, c].map((id) => gapMeter(id, day));
  await post(other, ...ma.before, ...mb.before, ...mc.before, ...ma.closing);
  await sealTo(10);
  await post(other, ...mb.closing);
  for (const id of [a, b]) await expectSpreadOverTheHour(other, id, day);
  await sealTo(11);
  await post(other, ...mc.closing);
  for (const id of [a, b, c]) await expectSpreadOverTheHour(other, id, day);
  // The rollups still hold each reading whole at its time.
  await expectRollupsExact(other.db.dataSource);
});
