import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { dashboardRouter } from '../../src/dashboard/dashboard.router';
import { errorHandler, notFoundHandler } from '../../src/http/error-handler';
import { buildDashboard } from '../../tools/dashboard/build';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  await buildDashboard();
  t = await createTestApp();
}, 120_000);
afterAll(() => t.close());

describe('/dashboard', () => {
  it('is where / leads, and serves the page under the strict script policy', async () => {
    await request(t.app).get('/').expect(302).expect('Location', '/dashboard');
    const page = await request(t.app)
      .get('/dashboard')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('<script type="module" src="/dashboard/dashboard.js"></script>');
    // Everything the page loads comes from this service.
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves the bundle and its styles, uPlot’s included, without a key even when the service has keys', async () => {
    const keyed = await createTestApp();
    try {
      await keyed.services.auth.create('operator', 'admin');
      await request(keyed.app).get('/dashboard').expect(200);
      await request(keyed.app)
        .get('/dashboard/dashboard.js')
        .expect(200)
        .expect('Content-Type', /javascript/);
      const css = await request(keyed.app).get('/dashboard/dashboard.css').expect(200).expect('Content-Type', /css/);
      expect(css.text).toContain('.uplot');
      await request(keyed.app).get('/v1/vehicles').expect(401);
    } finally {
      await keyed.close();
    }
  });

  it('answers 404 for a missing asset and 503 while the page has not been built', async () => {
    await request(t.app).get('/dashboard/missing.js').expect(404);
    const empty = await mkdtemp(path.join(tmpdir(), 'dashboard-'));
    try {
      const app = express()
        .use(dashboardRouter(empty))
        .use(notFoundHandler)
        .use(errorHandler(pino({ level: 'silent' })));
      const res = await request(app).get('/dashboard').expect(503);
      expect(res.body.detail).toMatch(/npm run build/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
