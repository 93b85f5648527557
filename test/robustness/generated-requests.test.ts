import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { asBytes, uniqueId } from '../support/factories';

/*
 * Generated requests at every route: odd timestamps, extreme numbers, nested values, broken
 * percent-encoding, wrong media types and encodings. Whatever a client sends, the answer is never a
 * 5xx, and a 4xx answer is a problem body that leaves every table as it was.
 */

let t: TestApp;
let keyed: TestApp;
beforeAll(async () => {
  // Open for good, so a generated POST /v1/api-keys that lands does not close the rest of the run.
  t = await createTestApp({
    AUTH_DISABLED: 'true',
    RATE_LIMIT_MAX: '0',
    BODY_LIMIT: '64kb',
    HISTORY_RETENTION: '3 months',
  });
  keyed = await createTestApp({ RATE_LIMIT_MAX: '0' });
  await keyed.services.auth.create('fuzz', 'ingest');
}, 120_000);
afterAll(async () => {
  await t?.close();
  await keyed?.close();
});

const WRITTEN = `SELECT (SELECT count(*) FROM meter_history) + (SELECT count(*) FROM vehicle_history)
  + (SELECT count(*) FROM meter_live) + (SELECT count(*) FROM vehicle_live)
  + (SELECT count(*) FROM charging_session) + (SELECT count(*) FROM api_key) AS n`;
const written = async (app: TestApp) => Number((await app.db.dataSource.query(WRITTEN))[0].n);

const recent = fc.integer({ min: -30 * 86_400_000, max: 60_000 }).map((ms) => new Date(Date.now() + ms));
const timestamp = fc.oneof(
  recent.map((date) => date.toISOString()),
  recent.map((date) => date.toISOString().replace('Z', '+00:00')),
  recent.map((date) => date.toISOString().slice(0, 19)),
  recent.map((date) => date.toISOString().replace('Z', '+05')),
  recent.map((date) => date.toISOString().replace('.', ',')),
  recent.map((date) => date.toISOString().replace(/[-:]/g, '')),
  recent.map((date) => date.toUTCString()),
  recent.map((date) => date.getTime()),
  fc.date().map((date) => (Number.isNaN(date.getTime()) ? 'Invalid Date' : date.toISOString())),
  fc.constantFrom(
    '2026-W01-1T10:00:00Z',
    '2026-335T10:00:00Z',
    '+002026-12-01T10:00:00Z',
    '-000001-01-01T00:00:00Z',
    '2026-12-01T24:00:00Z',
    '2016-12-31T23:59:60Z',
    '2026-02-30T10:00:00Z',
    '1970-01-01T00:00:00Z',
    '9999-12-31T23:59:59-23:59',
    '0000-01-01T00:00:00Z',
    '',
  ),
  fc.string({ maxLength: 40 }),
);
const number = fc.oneof(
  fc.double(),
  fc.double({ min: 0, max: 1_000, noNaN: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e13, 1e308, -1e308, 5e-324, 2 ** 63, Number.MAX_SAFE_INTEGER, 1_000, 1_000.000001),
);
const id = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/),
  fc.string({ maxLength: 80 }),
  fc.constantFrom('', 'a'.repeat(65), '../etc', 'V 1', 'Ü', '\u0000'),
);
const anything = fc.oneof(number, fc.string(), fc.boolean(), fc.constant(null), fc.anything({ maxDepth: 2 }));
const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: anything });

const meter = fc.record(
  { meterId: field(id), kwhConsumedAc: field(number), voltage: field(number), timestamp: field(timestamp) },
  { requiredKeys: [] },
);
const vehicle = fc.record(
  {
    vehicleId: field(id),
    soc: field(number),
    kwhDeliveredDc: field(number),
    batteryTemp: field(number),
    timestamp: field(timestamp),
  },
  { requiredKeys: [] },
);
const session = fc.record(
  { vehicleId: field(id), meterId: field(id), startedAt: field(timestamp), endedAt: field(timestamp) },
  { requiredKeys: [] },
);
const reading = fc.oneof(
  meter,
  vehicle,
  fc.tuple(meter, fc.string(), anything).map(([m, k, v]) => ({ ...m, [k]: v })),
);
const jsonBody = fc.oneof(
  reading,
  fc.array(reading, { maxLength: 20 }),
  session,
  fc.record(
    { name: field(fc.string()), role: field(fc.constantFrom('ingest', 'read', 'admin')) },
    { requiredKeys: [] },
  ),
  fc.record({ endedAt: field(timestamp) }, { requiredKeys: [] }),
  anything,
);
const body = fc.oneof(
  { weight: 5, arbitrary: jsonBody.map((value) => JSON.stringify(value) ?? 'null') },
  fc.constantFrom('', '{', '[1,', '{"meterId":"M-1",}', '\u0000', '{"__proto__":{"x":1}}', '{"a":1}garbage'),
  fc.string({ maxLength: 200 }),
);

const segment = fc.oneof(
  id.map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9._~:%-]{1,120}$/),
  fc.constantFrom('%E0%A4%A', '%', '%ZZ', '%00', '%2F', '%C0%AF', '%FF', '..'),
);
const queryValue = fc.oneof(
  timestamp.map((value) => encodeURIComponent(String(value))),
  number.map((value) => encodeURIComponent(String(value))),
  fc.stringMatching(/^[A-Za-z0-9._~%+-]{0,40}$/),
);
const queryKey = fc.oneof(
  fc.constantFrom('hours', 'from', 'to', 'meterId', 'vehicleId', 'threshold', 'limit', 'cursor', 'from[]', 'to[x]'),
  fc.stringMatching(/^[a-z%]{1,10}$/),
);
const query = fc
  .array(fc.tuple(queryKey, queryValue), { maxLength: 5 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`));

type Method = 'get' | 'post' | 'patch' | 'delete';
const route = fc.oneof(
  fc.tuple(
    fc.constant<Method>('post'),
    fc.constantFrom('meter', 'vehicle', 'telemetry', 'batch').map((name) => `/v1/ingestion/${name}`),
  ),
  fc.tuple(
    fc.constant<Method>('get'),
    segment.map((s) => `/v1/meters/${s}`),
  ),
  fc.tuple(
    fc.constant<Method>('get'),
    segment.map((s) => `/v1/vehicles/${s}`),
  ),
  fc.tuple(
    fc.constant<Method>('get'),
    segment.map((s) => `/v1/analytics/performance/${s}`),
  ),
  fc.tuple(fc.constant<Method>('get'), fc.constant('/v1/analytics/fleet/efficiency')),
  fc.tuple(fc.constantFrom<Method>('get', 'post'), fc.constant('/v1/charging-sessions')),
  fc.tuple(
    fc.constant<Method>('patch'),
    segment.map((s) => `/v1/charging-sessions/${s}`),
  ),
  fc.tuple(fc.constantFrom<Method>('get', 'post'), fc.constant('/v1/api-keys')),
  fc.tuple(
    fc.constant<Method>('delete'),
    segment.map((s) => `/v1/api-keys/${s}`),
  ),
  fc.tuple(
    fc.constantFrom<Method>('get', 'post'),
    fc.constantFrom('/healthz', '/readyz', '/openapi.json', '/metrics', '/docs/'),
  ),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/merge-patch+json',
  'application/json; charset="',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  ';;;',
  undefined,
);
const contentEncoding = fc.constantFrom(
  undefined,
  undefined,
  'gzip',
  'gzip',
  'deflate',
  'br',
  'identity',
  'zstd',
  'gzip, br',
  'x',
);

const generatedRequest = fc.record({
  route,
  query,
  body,
  contentType,
  contentEncoding,
  // A body that really is gzip, so the decoding path is exercised too, not only its failures.
  compress: fc.boolean(),
});

type GeneratedRequest = typeof generatedRequest extends fc.Arbitrary<infer T> ? T : never;

function send(app: TestApp, r: GeneratedRequest, headers: Record<string, string> = {}) {
  const [method, path] = r.route as [Method, string];
  let req = request(app.app)[method](path + r.query);
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  if (r.contentType !== undefined) req = req.set('Content-Type', r.contentType);
  if (r.contentEncoding !== undefined) req = req.set('Content-Encoding', r.contentEncoding);
  if (method === 'get' && r.body.length % 2 === 0) return req;
  return r.compress && r.contentEncoding === 'gzip' ? req.serialize(asBytes).send(gzipSync(r.body)) : req.send(r.body);
}

describe('generated requests', () => {
  it('never answer 5xx, and a 4xx answer is a problem body that wrote nothing', async () => {
    await fc.assert(
      fc.asyncProperty(generatedRequest, async (r) => {
        const before = await written(t);
        const res = await send(t, r);
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(res.body).toMatchObject({ status: res.status, type: expect.stringMatching(/^\/problems\//) });
          expect(await written(t)).toBe(before);
        }
      }),
      { numRuns: 1_500 },
    );
  }, 600_000);

  it('leave every analytics endpoint answering afterwards', async () => {
    const vehicleId = uniqueId('VEH');
    // Status and body together, so a failure shows the problem the service answered.
    const answer = async (req: request.Test) => {
      const res = await req;
      return { status: res.status, body: res.body as unknown };
    };
    const reading = {
      vehicleId,
      soc: 50,
      kwhDeliveredDc: 1_000,
      batteryTemp: 200,
      timestamp: new Date().toISOString(),
    };
    expect(await answer(request(t.app).post('/v1/ingestion/vehicle').send(reading))).toMatchObject({ status: 201 });
    expect(await answer(request(t.app).get(`/v1/analytics/performance/${vehicleId}`))).toMatchObject({ status: 200 });
    expect(await answer(request(t.app).get('/v1/analytics/fleet/efficiency?hours=8760'))).toMatchObject({
      status: 200,
    });
  });

  it('with keys required, generated credentials never answer 5xx', async () => {
    const credential = fc.record(
      {
        authorization: fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.string().map((key) => `Bearer ${key}`),
          fc.constant('Bearer'),
        ),
        'x-api-key': fc.string({ maxLength: 60 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(generatedRequest, credential, async (r, headers) => {
        const printable = Object.fromEntries(
          Object.entries(headers).filter(([, value]) => /^[\x20-\x7e]*$/.test(value)),
        );
        const before = await written(keyed);
        const res = await send(keyed, r, printable);
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(await written(keyed)).toBe(before);
      }),
      { numRuns: 300 },
    );
  }, 300_000);
});
