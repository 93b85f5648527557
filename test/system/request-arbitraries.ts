import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import request from 'supertest';
import type { TestApp } from '../support/test-app';
import { asBytes } from '../support/factories';

/*
 * What a careless or hostile client may send: odd timestamps, extreme numbers, nested values, broken
 * percent-encoding, wrong media types and encodings, at every route.
 */

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
  {
    meterId: field(id),
    kwhConsumedAc: field(number),
    kwhRegisterAc: field(number),
    voltage: field(number),
    timestamp: field(timestamp),
  },
  { requiredKeys: [] },
);
const vehicle = fc.record(
  {
    vehicleId: field(id),
    soc: field(number),
    kwhDeliveredDc: field(number),
    kwhRegisterDc: field(number),
    batteryTemp: field(number),
    timestamp: field(timestamp),
  },
  { requiredKeys: [] },
);
const session = fc.record(
  { vehicleId: field(id), meterId: field(id), startedAt: field(timestamp), endedAt: field(timestamp) },
  { requiredKeys: [] },
);
const label = fc.oneof(fc.string({ maxLength: 120 }), fc.constantFrom('', 'bay\u00001', 'x'.repeat(101), 'Depot 3'));
const device = fc.record(
  {
    id: field(id),
    kind: field(fc.constantFrom('meter', 'vehicle', 'charger')),
    label: field(fc.oneof(label, fc.constant(null))),
    state: field(fc.constantFrom('active', 'decommissioned', 'sold')),
    expiresAt: field(timestamp),
  },
  { requiredKeys: [] },
);
const webhookUrl = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'http://127.0.0.1:9/hooks',
    'http://localhost/hooks',
    'http://[::1',
    'ftp://hooks.example.com/',
    'https://ops:secret@hooks.example.com/',
    'https://hooks.example.com/a b',
    `https://hooks.example.com/${'a'.repeat(2050)}`,
  ),
  fc.string({ maxLength: 60 }),
);
const webhook = fc.record(
  {
    url: field(webhookUrl),
    eventTypes: field(
      fc.array(fc.constantFrom('alarm.raised', 'alarm.acknowledged', 'alarm.cleared', 'alarm.lost'), { maxLength: 4 }),
    ),
    description: field(fc.oneof(label, fc.constant(null))),
    enabled: field(fc.boolean()),
  },
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
    {
      name: field(fc.string()),
      role: field(fc.constantFrom('ingest', 'read', 'admin')),
      scope: field(fc.constantFrom('fleet', 'devices', 'depot')),
      devices: field(fc.array(field(id), { maxLength: 5 })),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    { devices: field(fc.array(field(device), { maxLength: 5 })), reissue: field(fc.boolean()) },
    { requiredKeys: [] },
  ),
  fc.record({ endedAt: field(timestamp) }, { requiredKeys: [] }),
  device,
  webhook,
  anything,
);
const body = fc.oneof(
  { weight: 5, arbitrary: jsonBody.map((value) => JSON.stringify(value) ?? 'null') },
  fc.constantFrom(
    '',
    '{',
    '[1,',
    '{"meterId":"M-1",}',
    '\u0000',
    '{"__proto__":{"x":1}}',
    '{"constructor":null}',
    '{"vehicleId":"V-1","soc":1,"kwhDeliveredDc":1,"batteryTemp":1,"timestamp":"2026-01-01T00:00:00Z","constructor":null}',
    '{"a":1}garbage',
  ),
  fc.string({ maxLength: 200 }),
);

const segment = fc.oneof(
  id.map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9._~:%-]{1,120}$/),
  fc.constantFrom('%E0%A4%A', '%', '%ZZ', '%00', '%2F', '%C0%AF', '%FF', '..'),
);
/** Webhook and delivery ids are UUIDs: some that are, so requests get past the id check. */
const webhookSegment = fc.oneof(segment, fc.uuid());
const queryValue = fc.oneof(
  timestamp.map((value) => encodeURIComponent(String(value))),
  number.map((value) => encodeURIComponent(String(value))),
  fc.stringMatching(/^[A-Za-z0-9._~%+-]{0,40}$/),
);
const queryKey = fc.oneof(
  fc.constantFrom(
    'hours',
    'from',
    'to',
    'meterId',
    'vehicleId',
    'threshold',
    'limit',
    'cursor',
    'kind',
    'state',
    'lowEfficiency',
    'dataQuality',
    'suspect',
    'type',
    'deviceId',
    'from[]',
    'to[x]',
  ),
  fc.stringMatching(/^[a-z%]{1,10}$/),
);
const query = fc
  .array(fc.tuple(queryKey, queryValue), { maxLength: 5 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`));

export type Method = 'get' | 'post' | 'patch' | 'delete';
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
    fc.tuple(fc.constantFrom('meters', 'vehicles'), segment).map(([kind, s]) => `/v1/${kind}/${s}/readings`),
  ),
  fc.tuple(
    fc.constant<Method>('get'),
    segment.map((s) => `/v1/analytics/performance/${s}`),
  ),
  fc.tuple(fc.constant<Method>('get'), fc.constant('/v1/analytics/fleet/efficiency')),
  fc.tuple(
    fc.constant<Method>('get'),
    segment.map((s) => `/v1/analytics/meters/${s}/efficiency`),
  ),
  fc.tuple(fc.constantFrom<Method>('get', 'post'), fc.constant('/v1/charging-sessions')),
  fc.tuple(
    fc.constant<Method>('patch'),
    segment.map((s) => `/v1/charging-sessions/${s}`),
  ),
  fc.tuple(fc.constantFrom<Method>('get', 'post'), fc.constant('/v1/devices')),
  fc.tuple(fc.constant<Method>('post'), fc.constant('/v1/devices/import')),
  fc.tuple(
    fc.constantFrom<Method>('get', 'patch', 'delete'),
    segment.map((s) => `/v1/devices/${s}`),
  ),
  fc.tuple(
    fc.constantFrom<Method>('get', 'post'),
    segment.map((s) => `/v1/devices/${s}/credentials`),
  ),
  fc.tuple(
    fc.constant<Method>('delete'),
    fc.tuple(segment, segment).map(([device, credential]) => `/v1/devices/${device}/credentials/${credential}`),
  ),
  fc.tuple(fc.constant<Method>('get'), fc.constant('/v1/alarms')),
  fc.tuple(
    fc.constant<Method>('get'),
    segment.map((s) => `/v1/alarms/${s}`),
  ),
  fc.tuple(
    fc.constant<Method>('post'),
    segment.map((s) => `/v1/alarms/${s}/acknowledge`),
  ),
  fc.tuple(fc.constantFrom<Method>('get', 'post'), fc.constant('/v1/webhooks')),
  fc.tuple(
    fc.constantFrom<Method>('get', 'patch', 'delete'),
    webhookSegment.map((s) => `/v1/webhooks/${s}`),
  ),
  fc.tuple(
    fc.constant<Method>('post'),
    webhookSegment.map((s) => `/v1/webhooks/${s}/rotate-secret`),
  ),
  fc.tuple(
    fc.constant<Method>('get'),
    webhookSegment.map((s) => `/v1/webhooks/${s}/deliveries`),
  ),
  fc.tuple(
    fc.constant<Method>('post'),
    fc
      .tuple(webhookSegment, webhookSegment)
      .map(([hook, delivery]) => `/v1/webhooks/${hook}/deliveries/${delivery}/resend`),
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

const accept = fc.constantFrom(
  undefined,
  undefined,
  'text/csv',
  'application/json',
  '*/*',
  'application/xml',
  'text/*;q=0',
);

export const generatedRequest = fc.record({
  route,
  query,
  body,
  contentType,
  contentEncoding,
  accept,
  // A body that really is gzip, so the decoding path is exercised too, not only its failures.
  compress: fc.boolean(),
});

export type GeneratedRequest = typeof generatedRequest extends fc.Arbitrary<infer T> ? T : never;

export function send(app: TestApp, r: GeneratedRequest, headers: Record<string, string> = {}) {
  const [method, path] = r.route as [Method, string];
  let req = request(app.app)[method](path + r.query);
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  if (r.contentType !== undefined) req = req.set('Content-Type', r.contentType);
  if (r.contentEncoding !== undefined) req = req.set('Content-Encoding', r.contentEncoding);
  if (r.accept !== undefined) req = req.set('Accept', r.accept);
  if (method === 'get' && r.body.length % 2 === 0) return req;
  return r.compress && r.contentEncoding === 'gzip' ? req.serialize(asBytes).send(gzipSync(r.body)) : req.send(r.body);
}
