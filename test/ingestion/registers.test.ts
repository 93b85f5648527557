import request from 'supertest';
import { uniqueId } from '../support/factories';
import { expectRollupsExact } from '../support/rollups';
import { testAppsClosedAfterAll, type TestApp } from '../support/test-app';

/*
 * Readings that carry a cumulative register instead of (or with) their interval energy: the energy
 * is the register's increase since the device's previous reading, whatever arrived in between.
 */
const app = testAppsClosedAfterAll();
let t: TestApp;
beforeAll(async () => {
  t = await app({ REGISTER_ROLLOVER_KWH: '100000' });
});

const HOUR = Date.UTC(2026, 10, 2, 8);
const at = (minutes: number) => new Date(HOUR + minutes * 60_000).toISOString();
const meter = (meterId: string, minutes: number, kwhRegisterAc: number) => ({
  meterId,
  kwhRegisterAc,
  voltage: 230,
  timestamp: at(minutes),
});

async function post(...readings: object[]) {
  await request(t.app).post('/v1/ingestion/batch').send(readings).expect(201);
}

interface Stored {
  minute: number;
  kwh: number;
  event: string | null;
  bridged: number;
}
async function stored(meterId: string): Promise<Stored[]> {
  const rows = await t.db.dataSource.query(
    `SELECT ts, kwh_consumed_ac AS kwh, register_event AS event, bridged FROM meter_history WHERE meter_id = $1 ORDER BY ts`,
    [meterId],
  );
  return rows.map((row: { ts: Date; kwh: number; event: string | null; bridged: number }) => ({
    minute: (row.ts.getTime() - HOUR) / 60_000,
    kwh: Math.round(row.kwh * 1e6) / 1e6,
    event: row.event,
    bridged: row.bridged,
  }));
}

it('derives each interval from the register, and a gap of lost readings is carried whole by the reading that closes it', async () => {
  const id = uniqueId('REG');
  await post(meter(id, 1, 1000), meter(id, 2, 1000.5), meter(id, 3, 1001.25), meter(id, 7, 1003.25));
  expect(await stored(id)).toEqual([
    { minute: 1, kwh: 0, event: null, bridged: 0 },
    { minute: 2, kwh: 0.5, event: null, bridged: 0 },
    { minute: 3, kwh: 0.75, event: null, bridged: 0 },
    { minute: 7, kwh: 2, event: null, bridged: 3 },
  ]);
});

it('a late reading between two stored ones splits the later interval exactly, in history and live', async () => {
  const id = uniqueId('REG');
  await post(meter(id, 1, 500));
  await post(meter(id, 4, 503));
  await post(meter(id, 2, 501.2));
  expect(await stored(id)).toEqual([
    { minute: 1, kwh: 0, event: null, bridged: 0 },
    { minute: 2, kwh: 1.2, event: null, bridged: 0 },
    { minute: 4, kwh: 1.8, event: null, bridged: 1 },
  ]);
  const [live] = await t.db.dataSource.query(`SELECT kwh_consumed_ac FROM meter_live WHERE meter_id = $1`, [id]);
  expect(live.kwh_consumed_ac).toBeCloseTo(1.8, 9);
});

it('a small dip is held, a drop to near zero starts a new epoch, a counter past its width rolls over, a jump faster than any charger is quarantined', async () => {
  const id = uniqueId('REG');
  await post(
    meter(id, 1, 99_999),
    meter(id, 2, 99_999.5), // +0.5
    meter(id, 3, 0.25), // rolled over at 100,000: +0.75
    meter(id, 4, 0.24), // a dip (under 10 %): 0, and 0.25 stays the base
    meter(id, 5, 1.25), // +1 over the held 0.25
    meter(id, 6, 0.5), // reset: counted from zero
    meter(id, 7, 40_000), // 39,999.5 kWh in a minute: quarantined, and the new base
    meter(id, 8, 40_001),
    meter(id, 9, 20_000), // half: another counter, whose start is unknown
    meter(id, 10, 20_002),
  );
  expect(await stored(id)).toEqual([
    { minute: 1, kwh: 0, event: null, bridged: 0 },
    { minute: 2, kwh: 0.5, event: null, bridged: 0 },
    { minute: 3, kwh: 0.75, event: 'rollover', bridged: 0 },
    { minute: 4, kwh: 0, event: 'dip', bridged: 0 },
    { minute: 5, kwh: 1, event: null, bridged: 0 },
    { minute: 6, kwh: 0.5, event: 'reset', bridged: 0 },
    { minute: 7, kwh: 0, event: 'quarantined', bridged: 0 },
    { minute: 8, kwh: 1, event: null, bridged: 0 },
    { minute: 9, kwh: 0, event: 'replaced', bridged: 0 },
    { minute: 10, kwh: 2, event: null, bridged: 0 },
  ]);
  const metrics = await request(t.app).get('/metrics').expect(200);
  for (const event of ['rollover', 'dip', 'reset', 'quarantined', 'replaced']) {
    expect(metrics.text).toMatch(new RegExp(`fleet_register_events_total\\{type="meter",event="${event}"\\} [1-9]`));
  }
});

it('a late reading in a sealed hour moves energy between the sealed rollups exactly', async () => {
  const id = uniqueId('REG');
  const old = (minutes: number) => new Date(Date.now() - 3 * 3_600_000 + minutes * 60_000).toISOString();
  await post(
    { meterId: id, kwhRegisterAc: 10, voltage: 230, timestamp: old(0) },
    { meterId: id, kwhRegisterAc: 16, voltage: 230, timestamp: old(90) },
  );
  await t.services.rollups.seal();
  await post({ meterId: id, kwhRegisterAc: 11, voltage: 230, timestamp: old(30) });
  await expectRollupsExact(t.db.dataSource);
});

it('the CSV and JSON exports carry the derived interval energy beside the register and the event it met', async () => {
  const vehicleId = uniqueId('REGV');
  const vehicle = (minutes: number, kwhRegisterDc: number) => ({
    vehicleId,
    soc: 50,
    kwhRegisterDc,
    batteryTemp: 20,
    timestamp: at(minutes),
  });
  await post(vehicle(1, 200), vehicle(2, 201.5), vehicle(5, 100));
  const window = { from: at(0), to: at(10) };
  const csv = await request(t.app)
    .get(`/v1/vehicles/${vehicleId}/readings`)
    .query(window)
    .set('Accept', 'text/csv')
    .expect(200);
  expect(csv.text.split('\n')).toEqual([
    'vehicleId,timestamp,soc,kwhDeliveredDc,kwhRegisterDc,registerEvent,batteryTemp',
    `${vehicleId},2026-11-02T08:01:00.000000Z,50,0,200,,20`,
    `${vehicleId},2026-11-02T08:02:00.000000Z,50,1.5,201.5,,20`,
    `${vehicleId},2026-11-02T08:05:00.000000Z,50,0,100,replaced,20`,
    '',
  ]);
  const json = await request(t.app).get(`/v1/vehicles/${vehicleId}/readings`).query(window).expect(200);
  expect(
    json.body.readings.map((r: { kwhDeliveredDc: number; kwhRegisterDc: number; registerEvent: string | null }) => [
      r.kwhDeliveredDc,
      r.kwhRegisterDc,
      r.registerEvent,
    ]),
  ).toEqual([
    [0, 200, null],
    [1.5, 201.5, null],
    [0, 100, 'replaced'],
  ]);
});

it('shows on the device what its register readings met over the last day, as data-quality flags', async () => {
  const meterId = uniqueId('REGD');
  await request(t.app).post('/v1/devices').send({ id: meterId, kind: 'meter' }).expect(201);
  const recent = (minutes: number) => new Date(Date.now() - (30 - minutes) * 60_000).toISOString();
  await post(
    { meterId, kwhRegisterAc: 500, voltage: 230, timestamp: recent(1) },
    { meterId, kwhRegisterAc: 499, voltage: 230, timestamp: recent(2) },
    { meterId, kwhRegisterAc: 0.1, voltage: 230, timestamp: recent(3) },
  );
  const device = await request(t.app).get(`/v1/devices/${meterId}`).expect(200);
  expect(device.body.dataQuality).toEqual(['register-dip', 'register-reset']);
});
