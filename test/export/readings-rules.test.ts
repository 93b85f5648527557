import request from 'supertest';
import { uniqueId, vehicleReading } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
const vehicleId = uniqueId('VEH');
beforeAll(async () => {
  t = await createTestApp();
  await request(t.app)
    .post('/v1/ingestion/vehicle')
    .send(vehicleReading({ vehicleId, timestamp: '2026-11-20T10:05:00Z' }))
    .expect(201);
});
afterAll(() => t.close());

const from = '2026-11-20T10:00:00Z';
const to = '2026-11-20T12:00:00Z';
const cursorOf = (fields: unknown) => Buffer.from(JSON.stringify(fields)).toString('base64url');
const validCursor = (overrides: Partial<Record<0 | 1 | 2 | 3, unknown>> = {}) =>
  cursorOf(
    Object.assign(
      [vehicleId, `${from.slice(0, 19)}.000Z`, `${to.slice(0, 19)}.000Z`, '2026-11-20T10:05:00.000000Z'],
      overrides,
    ),
  );

async function problem(path: string, query: Record<string, unknown>, accept = 'application/json') {
  const res = await request(t.app).get(path).query(query).set('Accept', accept);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: res.status, type: expect.stringMatching(/^\/problems\//) });
  return res;
}

const readings = `/v1/vehicles/${vehicleId}/readings`;

describe('reading export refuses what it cannot answer with a problem', () => {
  it.each([
    ['an id breaking the id rule', `/v1/vehicles/${'x'.repeat(65)}/readings`, { from }, 'vehicleId'],
    ['a meter id breaking the id rule', '/v1/meters/V%201/readings', { from }, 'meterId'],
    ['no from', readings, { to }, 'from'],
    ['a timestamp without a zone', readings, { from: '2026-11-20T10:00:00' }, 'from'],
    ['a timestamp before 2000', readings, { from: '1999-12-31T23:59:59Z' }, 'from'],
    ['from equal to to', readings, { from, to: from }, 'from'],
    ['from after to', readings, { from: to, to: from }, 'from'],
    ['a window over 8760 hours', readings, { from: '2024-01-01T00:00:00Z', to: '2025-01-02T00:00:00Z' }, 'from'],
    ['a limit of 0', readings, { from, limit: 0 }, 'limit'],
    ['a limit over 10000', readings, { from, limit: 10_001 }, 'limit'],
    ['a limit that is not an integer', readings, { from, limit: '2.5' }, 'limit'],
    ['an unknown parameter', readings, { from, hours: 3 }, 'hours'],
    ['a repeated parameter', `${readings}?from=${from}&from=${from}`, {}, 'from'],
    ['a cursor that is not base64 JSON', readings, { cursor: '%%%' }, 'cursor'],
    ['a cursor of another device', readings, { cursor: validCursor({ 0: 'OTHER' }) }, 'cursor'],
    ['a cursor with a bad time', readings, { cursor: validCursor({ 3: '2026-11-20 10:05' }) }, 'cursor'],
    [
      'a cursor position outside its window',
      readings,
      { cursor: validCursor({ 3: '2026-11-21T10:05:00Z' }) },
      'cursor',
    ],
    ['a cursor with an empty window', readings, { cursor: validCursor({ 2: `${from.slice(0, 19)}.000Z` }) }, 'cursor'],
    [
      'a cursor with another window than from',
      readings,
      { cursor: validCursor(), from: '2026-11-20T09:00:00Z' },
      'cursor',
    ],
  ])('400 for %s', async (_case, path, query, field) => {
    const res = await problem(path, query);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
  });

  it('accepts a valid cursor with or without the from and to it was issued for', async () => {
    for (const query of [{ cursor: validCursor() }, { cursor: validCursor(), from, to }]) {
      const res = await request(t.app).get(readings).query(query).expect(200);
      expect(res.body).toMatchObject({ periodStart: `${from.slice(0, 19)}.000Z`, readings: [], nextCursor: null });
    }
  });

  it.each([
    ['limit', { from, limit: 10 }],
    ['cursor', { cursor: validCursor() }],
  ])('400 for %s with CSV, which is never paged', async (field, query) => {
    const res = await problem(readings, query, 'text/csv');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: field })]);
  });

  it('400 for a bad window with CSV as with JSON', async () => {
    expect((await problem(readings, { from: to, to: from }, 'text/csv')).status).toBe(400);
  });

  it.each(['application/xml', 'text/html', 'application/problem+json', 'text/csv;q=0, application/json;q=0'])(
    '406 for Accept: %s',
    async (accept) => {
      const res = await problem(readings, { from }, accept);
      expect(res.status).toBe(406);
      expect(res.body.type).toBe('/problems/not-acceptable');
    },
  );

  it('404 for a device that never reported, as CSV too, before any CSV is sent', async () => {
    const res = await problem(`/v1/meters/${uniqueId('NEVER')}/readings`, { from }, 'text/csv');
    expect(res.status).toBe(404);
    expect(res.headers['content-disposition']).toBeUndefined();
  });

  it('needs a read key once keys exist', async () => {
    const guarded = await createTestApp();
    try {
      const { key } = await guarded.services.auth.create('export-ingest', 'ingest');
      await request(guarded.app).get(readings).query({ from }).expect(401);
      await request(guarded.app).get(readings).query({ from }).set('X-API-Key', key).expect(403);
      const { key: reader } = await guarded.services.auth.create('export-read', 'read');
      await request(guarded.app).get(readings).query({ from }).set('X-API-Key', reader).expect(404);
    } finally {
      await guarded.close();
    }
  });
});
