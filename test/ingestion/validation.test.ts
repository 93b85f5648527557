import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { meterReading, minutesAgo, vehicleReading } from '../support/factories';
import { countAll } from '../support/rows';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    BODY_LIMIT: '2kb',
    MAX_CLOCK_SKEW_SECONDS: '300',
    MAX_READING_KWH: '500',
    HISTORY_RETENTION: '1 month',
  });
});
afterAll(() => t.close());

const inFuture = (seconds: number) => new Date(Date.now() + seconds * 1_000).toISOString();
/** An hour ago, written as the local time of a zone `offsetMinutes` from UTC. */
const inZone = (offsetMinutes: number, suffix: string) =>
  new Date(Date.now() - 3_600_000 + offsetMinutes * 60_000).toISOString().replace('Z', suffix);

type Case = [label: string, endpoint: string, body: unknown, path: string];

const cases: Case[] = [
  ['an empty meter id', 'meter', meterReading({ meterId: '' }), 'meterId'],
  ['a 65-character id', 'meter', meterReading({ meterId: 'M'.repeat(65) }), 'meterId'],
  ['an id with a space', 'meter', meterReading({ meterId: 'M 1' }), 'meterId'],
  ['a numeric id', 'meter', { ...meterReading(), meterId: 17 }, 'meterId'],
  ['a numeric string for energy', 'meter', { ...meterReading(), kwhConsumedAc: '1.5' }, 'kwhConsumedAc'],
  ['negative energy', 'meter', meterReading({ kwhConsumedAc: -0.1 }), 'kwhConsumedAc'],
  ['voltage above 2,000', 'meter', meterReading({ voltage: 2000.5 }), 'voltage'],
  ['negative voltage', 'meter', meterReading({ voltage: -1 }), 'voltage'],
  ['a missing voltage', 'meter', (({ voltage: _v, ...rest }) => rest)(meterReading()), 'voltage'],
  ['a null measurement', 'meter', { ...meterReading(), voltage: null }, 'voltage'],
  ['an unknown field', 'meter', { ...meterReading(), firmware: '1.2' }, 'firmware'],
  ['a negative register', 'meter', meterReading({ kwhRegisterAc: -0.5 }), 'kwhRegisterAc'],
  ['a register above 1e9 kWh', 'vehicle', vehicleReading({ kwhRegisterDc: 1e9 + 1 }), 'kwhRegisterDc'],
  ['a null register', 'meter', { ...meterReading(), kwhRegisterAc: null }, 'kwhRegisterAc'],
  ['a register as a string', 'vehicle', { ...vehicleReading(), kwhRegisterDc: '12004.5' }, 'kwhRegisterDc'],
  ['neither energy nor register', 'meter', (({ kwhConsumedAc: _e, ...rest }) => rest)(meterReading()), 'kwhConsumedAc'],
  [
    'a null energy beside a register',
    'vehicle',
    { ...vehicleReading({ kwhRegisterDc: 10 }), kwhDeliveredDc: null },
    'kwhDeliveredDc',
  ],
  ['soc above 100', 'vehicle', vehicleReading({ soc: 100.1 }), 'soc'],
  ['soc below 0', 'vehicle', vehicleReading({ soc: -1 }), 'soc'],
  ['negative DC energy', 'vehicle', vehicleReading({ kwhDeliveredDc: -5 }), 'kwhDeliveredDc'],
  ['battery colder than -100', 'vehicle', vehicleReading({ batteryTemp: -100.5 }), 'batteryTemp'],
  ['battery hotter than 200', 'vehicle', vehicleReading({ batteryTemp: 201 }), 'batteryTemp'],
  ['a boolean measurement', 'vehicle', { ...vehicleReading(), soc: true }, 'soc'],
  ['a timestamp without a zone', 'meter', meterReading({ timestamp: '2026-02-09T10:00:00' }), 'timestamp'],
  ['a date without a time', 'meter', meterReading({ timestamp: '2026-02-09' }), 'timestamp'],
  ['an impossible date', 'meter', meterReading({ timestamp: '2026-02-30T10:00:00Z' }), 'timestamp'],
  [
    'a timestamp that is not ISO 8601',
    'meter',
    meterReading({ timestamp: 'Mon, 09 Feb 2026 10:00:00 GMT' }),
    'timestamp',
  ],
  ['an epoch number as timestamp', 'meter', { ...meterReading(), timestamp: 1770631200000 }, 'timestamp'],
  ['a timestamp beyond the allowed clock skew', 'meter', meterReading({ timestamp: inFuture(3_600) }), 'timestamp'],
  ['an hour-only offset', 'meter', meterReading({ timestamp: '2026-12-01T10:00:00+05' }), 'timestamp'],
  ['an offset without a colon', 'meter', meterReading({ timestamp: '2026-12-01T10:00:00+0530' }), 'timestamp'],
  ['an ISO week date', 'meter', meterReading({ timestamp: '2026-W01-1T10:00:00Z' }), 'timestamp'],
  ['an ISO ordinal date', 'meter', meterReading({ timestamp: '2026-335T10:00:00Z' }), 'timestamp'],
  ['the ISO basic form', 'meter', meterReading({ timestamp: '20260101T100000Z' }), 'timestamp'],
  ['a comma fraction', 'meter', meterReading({ timestamp: '2026-12-01T10:00:00,5Z' }), 'timestamp'],
  ['an expanded year', 'meter', meterReading({ timestamp: '+002026-12-01T10:00:00Z' }), 'timestamp'],
  ['hour 24', 'meter', meterReading({ timestamp: '2026-12-01T24:00:00Z' }), 'timestamp'],
  ['a leap second', 'meter', meterReading({ timestamp: '2016-12-31T23:59:60Z' }), 'timestamp'],
  ['minutes without seconds', 'meter', meterReading({ timestamp: '2026-12-01T10:00Z' }), 'timestamp'],
  ['29 February of a common year', 'meter', meterReading({ timestamp: '2026-02-29T10:00:00Z' }), 'timestamp'],
  ['an offset beyond 23:59', 'meter', meterReading({ timestamp: '2026-12-01T10:00:00+24:00' }), 'timestamp'],
  ['a year before 2000', 'meter', meterReading({ timestamp: '1999-12-31T23:59:59Z' }), 'timestamp'],
  [
    'a reading older than the retained history',
    'meter',
    meterReading({ timestamp: minutesAgo(60 * 24 * 40) }),
    'timestamp',
  ],
  ['energy above MAX_READING_KWH', 'meter', meterReading({ kwhConsumedAc: 500.001 }), 'kwhConsumedAc'],
  ['DC energy above MAX_READING_KWH', 'vehicle', vehicleReading({ kwhDeliveredDc: 1e13 }), 'kwhDeliveredDc'],
  ['DC energy of 1e308', 'vehicle', vehicleReading({ kwhDeliveredDc: 1e308 }), 'kwhDeliveredDc'],
  ['an object as a measurement', 'vehicle', { ...vehicleReading(), soc: { value: 1 } }, 'soc'],
  ['an array as an id', 'vehicle', { ...vehicleReading(), vehicleId: ['V-1'] }, 'vehicleId'],
  ['an array instead of an object', 'meter', [meterReading()], ''],
  ['an array at the telemetry endpoint', 'telemetry', [vehicleReading()], ''],
];

describe('a rejected reading answers 400 with a problem naming the field and writes nothing', () => {
  it.each(cases)('%s', async (_label, endpoint, body, path) => {
    const before = await countAll(t.db.dataSource);
    const res = await request(t.app)
      .post(`/v1/ingestion/${endpoint}`)
      .send(body as object)
      .expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: '/problems/validation-error', status: 400, title: expect.any(String) });
    expect(res.body.detail).toEqual(expect.any(String));
    expect(res.body.errors).toContainEqual({ path, message: expect.any(String) });
    expect(await countAll(t.db.dataSource)).toBe(before);
  });
});

describe('accepted edge values', () => {
  it.each([
    ['a timestamp within the clock skew', meterReading({ timestamp: inFuture(60) })],
    ['an offset instead of Z', meterReading({ timestamp: inZone(330, '+05:30').replace(/\.\d+/, '.5') })],
    ['zero energy and the top of the voltage range', meterReading({ kwhConsumedAc: 0, voltage: 2000 })],
    ['energy at MAX_READING_KWH', meterReading({ kwhConsumedAc: 500 })],
    [
      'a lower-case t and z, as RFC 3339 allows',
      meterReading({ timestamp: minutesAgo(3).replace('T', 't').replace('Z', 'z') }),
    ],
    ['a nanosecond fraction', meterReading({ timestamp: minutesAgo(4).replace(/\.\d+Z$/, '.123456789Z') })],
    ['a negative offset', meterReading({ timestamp: inZone(-210, '-03:30') })],
    ['an id using every allowed symbol', meterReading({ meterId: `a.B_c:d-${'9'.repeat(56)}` })],
  ])('%s is stored', async (_label, body) => {
    await request(t.app).post('/v1/ingestion/meter').send(body).expect(201);
  });
});

describe('transport errors are problem bodies too', () => {
  it('a non-JSON content type answers 415', async () => {
    const res = await request(t.app)
      .post('/v1/ingestion/meter')
      .set('content-type', 'text/plain')
      .send(JSON.stringify(meterReading()))
      .expect(415);
    expect(res.body).toMatchObject({ status: 415, type: '/problems/unsupported-media-type' });
  });

  it('malformed JSON answers 400', async () => {
    const res = await request(t.app)
      .post('/v1/ingestion/vehicle')
      .set('content-type', 'application/json')
      .send('{"vehicleId": "V-1",')
      .expect(400);
    expect(res.body).toMatchObject({ status: 400, type: '/problems/malformed-json' });
  });

  it('a bare JSON scalar answers 400', async () => {
    await request(t.app).post('/v1/ingestion/meter').set('content-type', 'application/json').send('42').expect(400);
  });

  it('a body over BODY_LIMIT answers 413 and writes nothing', async () => {
    const before = await countAll(t.db.dataSource);
    const big = Array.from({ length: 40 }, () => meterReading());
    const res = await request(t.app).post('/v1/ingestion/batch').send(big).expect(413);
    expect(res.body).toMatchObject({ status: 413, type: '/problems/payload-too-large' });
    expect(await countAll(t.db.dataSource)).toBe(before);
  });

  it('a reading whose timestamp is one second in the past is not a future reading', async () => {
    await request(t.app)
      .post('/v1/ingestion/meter')
      .send(meterReading({ timestamp: minutesAgo(1 / 60) }))
      .expect(201);
  });
});
