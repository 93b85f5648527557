import { createHash } from 'node:crypto';
import request from 'supertest';
import { meterReading } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let ingest: string;
let read: string;
let admin: string;
let revoked: string;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

describe('before the first key exists (development and test)', () => {
  it('every route is open', async () => {
    await request(t.app).post('/v1/ingestion/meter').send(meterReading()).expect(201);
    await request(t.app).get('/v1/meters/NEVER-SEEN').expect(404);
  });
});

describe('once keys exist', () => {
  beforeAll(async () => {
    ingest = (await t.services.auth.create('depot-7', 'ingest')).key;
    read = (await t.services.auth.create('dashboard', 'read')).key;
    admin = (await t.services.auth.create('ops', 'admin')).key;
    const gone = await t.services.auth.create('old-gateway', 'ingest');
    await t.services.auth.revoke(gone.id);
    revoked = gone.key;
  });

  it('a request without a key is a 401 problem with a Bearer challenge', async () => {
    const res = await request(t.app).post('/v1/ingestion/meter').send(meterReading()).expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="fleet-platform"');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: '/problems/unauthorized', status: 401 });
  });

  it.each([
    ['an unknown key', { Authorization: 'Bearer fp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
    ['garbage in X-API-Key', { 'X-API-Key': 'not-a-key' }],
    ['another scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
  ])('%s is a 401 naming the token as invalid', async (_case, headers) => {
    const res = await request(t.app).get('/v1/meters/M-1').set(headers).expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="fleet-platform", error="invalid_token"');
    expect(res.body.type).toBe('/problems/unauthorized');
  });

  it('a revoked key is a 401', async () => {
    await request(t.app).post('/v1/ingestion/meter').set(bearer(revoked)).send(meterReading()).expect(401);
  });

  it('the right role passes with either header', async () => {
    const body = meterReading();
    await request(t.app).post('/v1/ingestion/meter').set(bearer(ingest)).send(body).expect(201);
    await request(t.app).post('/v1/ingestion/batch').set('X-API-Key', ingest).send([meterReading()]).expect(201);
    await request(t.app).get(`/v1/meters/${body.meterId}`).set(bearer(read)).expect(200);
    await request(t.app).get(`/v1/meters/${body.meterId}`).set('X-API-Key', read).expect(200);
  });

  it.each([
    ['ingest', 'GET', '/v1/meters/M-1'],
    ['ingest', 'GET', '/v1/analytics/fleet/efficiency'],
    ['read', 'POST', '/v1/ingestion/meter'],
    ['read', 'POST', '/v1/charging-sessions'],
    ['read', 'PATCH', '/v1/charging-sessions/3c0b1e9e-8f7a-4c1e-9a53-0d1f6b0e2a11'],
    ['read', 'GET', '/v1/api-keys'],
    ['ingest', 'POST', '/v1/api-keys'],
  ])('a key with role %s on %s %s is a 403 problem', async (role, method, path) => {
    const key = role === 'ingest' ? ingest : read;
    const res = await request(t.app)[method.toLowerCase() as 'get' | 'post' | 'patch'](path).set(bearer(key)).send({});
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ type: '/problems/forbidden', status: 403 });
    expect(res.body.detail).toContain(role);
  });

  it('an admin key may ingest, read and reach session writes', async () => {
    const body = meterReading();
    await request(t.app).post('/v1/ingestion/meter').set(bearer(admin)).send(body).expect(201);
    await request(t.app).get(`/v1/meters/${body.meterId}`).set(bearer(admin)).expect(200);
    // Past authorization, the session rules judge the (empty) body.
    await request(t.app).post('/v1/charging-sessions').set(bearer(admin)).send({}).expect(400);
  });

  it('a read key reaches session reads', async () => {
    await request(t.app).get('/v1/charging-sessions?vehicleId=V-1').set(bearer(read)).expect(200, { sessions: [] });
  });

  it('health and the API description stay open', async () => {
    await request(t.app).get('/healthz').expect(200);
    await request(t.app).get('/readyz').expect(200);
    await request(t.app).get('/openapi.json').expect(200);
  });

  it('the table holds SHA-256 digests, never the keys', async () => {
    const rows: Array<Record<string, unknown>> = await t.db.dataSource.query('SELECT * FROM api_key');
    expect(rows).toHaveLength(4);
    const stored = JSON.stringify(
      rows.map((row) => Object.values(row).map((v) => (Buffer.isBuffer(v) ? v.toString('base64url') : v))),
    );
    for (const key of [ingest, read, admin, revoked]) {
      expect(stored).not.toContain(key.slice(3, 20));
      const digest = createHash('sha256').update(key).digest();
      expect(rows.some((row) => (row.key_hash as Buffer).equals(digest))).toBe(true);
    }
  });
});
