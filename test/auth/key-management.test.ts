import request from 'supertest';
import { meterReading } from '../support/factories';
import { bearer, createAdminTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let admin: string;
beforeAll(async () => ({ t, admin } = await createAdminTestApp()));
afterAll(() => t.close());

const asAdmin = (req: request.Test) => req.set(bearer(admin));

describe('/v1/api-keys (admin)', () => {
  it('creates a key, shown once, that works at once for its role', async () => {
    const res = await asAdmin(request(t.app).post('/v1/api-keys'))
      .send({ name: 'depot-9', role: 'ingest', scope: 'fleet' })
      .expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'depot-9',
      role: 'ingest',
      scope: 'fleet',
      devices: null,
      key: expect.stringMatching(/^fp_[A-Za-z0-9_-]{43}$/),
      createdAt: expect.any(String),
      revokedAt: null,
      lastUsedAt: null,
    });
    await request(t.app).post('/v1/ingestion/meter').set('X-API-Key', res.body.key).send(meterReading()).expect(201);

    const listed = await asAdmin(request(t.app).get('/v1/api-keys')).expect(200);
    const entry = listed.body.find((key: { id: string }) => key.id === res.body.id);
    expect(entry).toMatchObject({ name: 'depot-9', role: 'ingest', scope: 'fleet', revokedAt: null });
    expect(entry).not.toHaveProperty('key');
  });

  it('revoking a key locks it out on this process at once; revoking again keeps the first time', async () => {
    const { body: created } = await asAdmin(request(t.app).post('/v1/api-keys'))
      .send({ name: 'leaked', role: 'read' })
      .expect(201);
    await request(t.app).get('/v1/meters/M-1').set('X-API-Key', created.key).expect(404);

    const { body: revoked } = await asAdmin(request(t.app).delete(`/v1/api-keys/${created.id}`)).expect(200);
    expect(revoked.revokedAt).toEqual(expect.any(String));
    await request(t.app).get('/v1/meters/M-1').set('X-API-Key', created.key).expect(401);

    const again = await asAdmin(request(t.app).delete(`/v1/api-keys/${created.id}`)).expect(200);
    expect(again.body.revokedAt).toBe(revoked.revokedAt);
  });

  it.each([
    ['an unknown role', { name: 'x', role: 'root' }, 'role'],
    ['no name', { role: 'read' }, 'name'],
    ['an overlong name', { name: 'n'.repeat(101), role: 'read' }, 'name'],
    ['an unknown field', { name: 'x', role: 'read', key: 'fp_mine' }, 'key'],
  ])('refuses %s with a 400 problem', async (_case, body, path) => {
    const res = await asAdmin(request(t.app).post('/v1/api-keys')).send(body).expect(400);
    expect(res.body.errors.map((error: { path: string }) => error.path)).toContain(path);
  });

  it('a malformed id is a 400, an unknown one a 404', async () => {
    await asAdmin(request(t.app).delete('/v1/api-keys/not-a-uuid')).expect(400);
    await asAdmin(request(t.app).delete('/v1/api-keys/3c0b1e9e-8f7a-4c1e-9a53-0d1f6b0e2a11')).expect(404);
  });
});
