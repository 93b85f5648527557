import request from 'supertest';
import { testAppsClosedAfterAll } from '../support/test-app';

const app = testAppsClosedAfterAll();

describe('when requests need a key', () => {
  it('the first key closes a service that ran open, without a restart', async () => {
    const t = await app();
    await request(t.app).get('/v1/meters/M-1').expect(404);
    await t.services.auth.create('first', 'read');
    await request(t.app).get('/v1/meters/M-1').expect(401);
  });

  it('revoking the last key opens a development service again', async () => {
    const t = await app({ NODE_ENV: 'development' });
    const only = await t.services.auth.create('only', 'read');
    await request(t.app).get('/v1/meters/M-1').expect(401);
    await t.services.auth.revoke(only.id);
    await request(t.app).get('/v1/meters/M-1').expect(404);
  });

  it('production never runs open, even with no active key', async () => {
    const t = await app({ NODE_ENV: 'production' });
    await request(t.app).get('/v1/meters/M-1').expect(401);
    // Health stays open for the orchestrator's probes, which hold no key.
    const health = await request(t.app).get('/healthz').expect(200);
    expect(health.body).toMatchObject({ status: 'ok' });
  });

  it('AUTH_DISABLED=true serves every route without a key, even in production with keys', async () => {
    const t = await app({ NODE_ENV: 'production', AUTH_DISABLED: 'true' });
    const unused = await t.services.auth.create('unused', 'read');
    await request(t.app).get('/v1/meters/M-1').expect(404);
    const keys = await request(t.app).get('/v1/api-keys').expect(200);
    expect(keys.body).toContainEqual(expect.objectContaining({ id: unused.id, name: 'unused', role: 'read' }));
  });
});

describe('/metrics', () => {
  it('is open by default', async () => {
    const t = await app();
    await t.services.auth.create('someone', 'read');
    const res = await request(t.app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^# TYPE fleet_readings_total counter$/m);
  });

  it('with METRICS_AUTH=true needs a read (or admin) key', async () => {
    const t = await app({ METRICS_AUTH: 'true' });
    const read = await t.services.auth.create('prometheus', 'read');
    const ingest = await t.services.auth.create('gateway', 'ingest');
    const res = await request(t.app).get('/metrics').expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    await request(t.app).get('/metrics').set('Authorization', `Bearer ${ingest.key}`).expect(403);
    await request(t.app).get('/metrics').set('Authorization', `Bearer ${read.key}`).expect(200);
  });
});
