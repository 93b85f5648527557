import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config/config';
import { testAppsClosedAfterAll, type TestApp } from '../support/test-app';

const ALLOWED = 'https://ops.example.com';
const testApp = testAppsClosedAfterAll();

describe('CORS_ORIGINS', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await testApp({ CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` });
    ({ key } = await t.services.auth.create('dashboard', 'read'));
  });

  it('answers a preflight from an allowed origin before authentication, which it carries no key for', async () => {
    const res = await request(t.app)
      .options('/v1/stream?vehicleId=V-1')
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization, last-event-id')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-methods']).toBe('GET,HEAD,POST,PATCH,DELETE');
    expect(res.headers['access-control-allow-headers']).toBe(
      'Authorization,X-API-Key,Content-Type,Content-Encoding,Last-Event-ID',
    );
    expect(res.headers).not.toHaveProperty('access-control-allow-credentials');
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('gives an allowed origin the headers on the real request, errors included', async () => {
    const ok = await request(t.app).get('/v1/meters/M-404').set('Origin', ALLOWED).set('X-API-Key', key).expect(404);
    expect(ok.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(ok.headers['access-control-expose-headers']).toMatch(/Retry-After/);
    const refused = await request(t.app).get('/v1/meters/M-404').set('Origin', ALLOWED).expect(401);
    expect(refused.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it('gives any other origin no CORS headers, on a preflight or otherwise', async () => {
    for (const origin of ['https://evil.example.com', 'https://ops.example.com.evil.net', 'null']) {
      const preflight = await request(t.app)
        .options('/v1/stream')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'GET');
      expect(preflight.status).not.toBe(204);
      expect(preflight.headers).not.toHaveProperty('access-control-allow-origin');
      const res = await request(t.app).get('/v1/meters/M-404').set('Origin', origin).set('X-API-Key', key);
      expect(res.headers).not.toHaveProperty('access-control-allow-origin');
    }
  });

  it('sends no CORS headers at all when unset', async () => {
    const plain = await testApp();
    const res = await request(plain.app)
      .options('/v1/stream')
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'GET');
    expect(res.headers).not.toHaveProperty('access-control-allow-origin');
    expect(res.headers).not.toHaveProperty('access-control-allow-methods');
  });

  it('stops the boot on anything but exact origins, naming each', () => {
    expect(loadConfig({ CORS_ORIGINS: ' https://a.example.com ,http://127.0.0.1:8080' }).cors.origins).toEqual([
      'https://a.example.com',
      'http://127.0.0.1:8080',
    ]);
    expect(loadConfig({}).cors.origins).toEqual([]);
    for (const bad of [
      '*',
      'ops.example.com',
      'https://ops.example.com/',
      'https://ops.example.com/app',
      'ftp://x.org',
      'https://OPS.example.com',
      'https://a.example.com:443',
    ]) {
      expect(() => loadConfig({ CORS_ORIGINS: `https://ok.example.com,${bad}` })).toThrow(ConfigError);
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(JSON.stringify(bad));
    }
  });
});
