import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { asBytes, meterReading } from '../support/factories';
import { countAll } from '../support/rows';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const expectProblem = (res: request.Response, status: number, type: string) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, type });
};

describe('a request the service cannot read is a 4xx problem, never a 500', () => {
  it.each([
    '/v1/vehicles/%E0%A4%A',
    '/v1/meters/%ZZ',
    '/v1/analytics/performance/%C0%AF',
    '/v1/charging-sessions/%E0%A4%A',
  ])('malformed percent-encoding in %s answers 400', async (path) => {
    const res = await request(t.app)[path.startsWith('/v1/charging-sessions') ? 'patch' : 'get'](path).send({});
    expectProblem(res, 400, '/problems/malformed-request');
  });

  it('a body that is not the gzip its Content-Encoding claims answers 400 and writes nothing', async () => {
    const before = await countAll(t.db.dataSource);
    const res = await request(t.app)
      .post('/v1/ingestion/meter')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send(JSON.stringify(meterReading()));
    expectProblem(res, 400, '/problems/malformed-request');
    expect(await countAll(t.db.dataSource)).toBe(before);
  });

  it('a real gzip body is read', async () => {
    await request(t.app)
      .post('/v1/ingestion/meter')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .serialize(asBytes)
      .send(gzipSync(JSON.stringify(meterReading())))
      .expect(201);
  });

  it.each([
    ['an unsupported Content-Encoding', { 'Content-Encoding': 'zstd' }],
    ['an unsupported charset', { 'Content-Type': 'application/json; charset=latin1' }],
  ])('%s answers 415 and writes nothing', async (_label, headers) => {
    const before = await countAll(t.db.dataSource);
    let req = request(t.app).post('/v1/ingestion/meter').set('Content-Type', 'application/json');
    for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
    expectProblem(await req.send(JSON.stringify(meterReading())), 415, '/problems/unsupported-media-type');
    expect(await countAll(t.db.dataSource)).toBe(before);
  });

  it.each([
    ['/v1/analytics/fleet/efficiency?hours=1&hours=2', 'hours must be given once'],
    ['/v1/charging-sessions?vehicleId=V-1&vehicleId=V-2', 'vehicleId must be given once'],
    ['/v1/analytics/performance/V-1?from[]=2026-12-01T00:00:00Z', 'property from[] should not exist'],
  ])('a repeated or array-style query parameter answers 400: %s', async (path, message) => {
    const res = await request(t.app).get(path);
    expectProblem(res, 400, '/problems/validation-error');
    expect(res.body.errors[0].message).toContain(message);
  });

  it('an over-long path id answers 400', async () => {
    expectProblem(await request(t.app).get(`/v1/vehicles/${'V'.repeat(65)}`), 400, '/problems/validation-error');
  });

  it('an unknown route answers a 404 problem naming the path', async () => {
    const res = await request(t.app).post('/v1/ingestion/thermostat').send({});
    expectProblem(res, 404, '/problems/not-found');
    expect(res.body.detail).toContain('/v1/ingestion/thermostat');
  });

  it('a body sent with GET is ignored, however malformed', async () => {
    const res = await request(t.app)
      .get('/v1/meters/M-unknown')
      .set('Content-Type', 'application/json')
      .send('{not json');
    expectProblem(res, 404, '/problems/not-found');
  });
});

describe('every /v1 route names its role', () => {
  it('a key of the wrong role is refused on every route kind', async () => {
    const keyed = await createTestApp();
    try {
      const { key } = await keyed.services.auth.create('reader', 'read');
      const auth = { Authorization: `Bearer ${key}` };
      await request(keyed.app).post('/v1/ingestion/meter').set(auth).send(meterReading()).expect(403);
      await request(keyed.app).post('/v1/charging-sessions').set(auth).send({}).expect(403);
      await request(keyed.app).get('/v1/api-keys').set(auth).expect(403);
      await request(keyed.app).get('/v1/meters/M-1').set(auth).expect(404);
    } finally {
      await keyed.close();
    }
  });
});
