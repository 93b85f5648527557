import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Express } from 'express';
import request, { type Response } from 'supertest';
import { openApiDocument } from '../../src/api';
import { PROBLEM_TYPES } from '../../src/contract/problems';
import type { Method } from '../../src/contract/openapi.types';
import { meterReading, minutesAgo, uniqueId, vehicleReading } from '../support/factories';
import { ROOT } from '../support/spawn-ts';
import { createTestApp, type TestApp } from '../support/test-app';
import { validatorAt } from '../support/document-schemas';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** What router 2.3's `listRoutes()` reports for one layer; a mounted router lists its own. */
interface ListedRoute {
  path: string | RegExp;
  methods?: string[];
  router?: { listRoutes?(): ListedRoute[] };
}

const join = (base: string, own: string) => `${base}/${own}`.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');

/** Every method and path the app answers, as `GET /v1/meters/{meterId}` (OpenAPI's parameter syntax). */
function registeredOperations(app: Express): string[] {
  const walk = (listed: ListedRoute[], base: string): string[] =>
    listed.flatMap(({ path: own, methods, router }) => {
      if (typeof own !== 'string') throw new Error(`cannot document a RegExp route ${own} under ${base}`);
      const full = join(base, own);
      if (router) {
        if (!router.listRoutes) throw new Error(`the router at ${full} cannot list its routes`);
        return walk(router.listRoutes(), full);
      }
      if (/[*{}]/.test(full)) throw new Error(`wildcard or optional route ${full}: describe it by hand`);
      const documentedPath = full.replace(/:(\w+)/g, '{$1}');
      // Express answers HEAD with the GET handler on its own; it is not an operation of its own.
      return (methods ?? []).filter((method) => method !== 'HEAD').map((method) => `${method} ${documentedPath}`);
    });
  const root = app.router as unknown as { listRoutes(): ListedRoute[] };
  return walk(root.listRoutes(), '/');
}

function documentedOperations(): string[] {
  return Object.entries(openApiDocument.paths).flatMap(([documentedPath, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${documentedPath}`),
  );
}

describe('the document covers the app', () => {
  it('documents every route the app registers, and no other', () => {
    const registered = registeredOperations(t.app);
    expect(registered).toContain('POST /v1/ingestion/meter');
    expect(registered).toContain('GET /v1/vehicles/{vehicleId}');
    expect([...new Set(documentedOperations())].sort()).toEqual([...new Set(registered)].sort());
  });

  it('describes exactly the problem types src/ throws, with their status and title', async () => {
    const sources = (await readdir(path.join(ROOT, 'src'), { recursive: true })).filter((file) => file.endsWith('.ts'));
    const texts = await Promise.all(sources.map((file) => readFile(path.join(ROOT, 'src', file), 'utf8')));
    // Problems are built as `(status, 'slug', 'Title', ...)`, in ProblemError subclasses and the error handler.
    const thrown = Object.fromEntries(
      texts.flatMap((text) =>
        [...text.matchAll(/\b([45]\d{2}),\s*'([a-z][a-z0-9-]*)',\s*'([^']+)'/g)].map(([, status, slug, title]) => [
          slug,
          { status: Number(status), title },
        ]),
      ),
    );
    expect(thrown['validation-error']).toEqual({ status: 400, title: 'Request validation failed' });
    const documented = Object.fromEntries(
      Object.entries(PROBLEM_TYPES).map(([slug, { status, title }]) => [slug, { status, title }]),
    );
    expect(documented).toEqual(thrown);
  });
});

describe('the document is valid OpenAPI 3.1', () => {
  it('passes the OpenAPI 3.1 schema and resolves every $ref, as served at /openapi.json', async () => {
    const served = await request(t.app)
      .get('/openapi.json')
      .expect(200)
      .expect('Content-Type', /application\/json/);
    expect(served.body).toEqual(JSON.parse(JSON.stringify(openApiDocument)));

    const dir = await mkdtemp(path.join(tmpdir(), 'openapi-'));
    try {
      const file = path.join(dir, 'openapi.json');
      await writeFile(file, served.text);
      // The validator is an ES module, which jest's CommonJS runtime cannot load; its CLI runs it in Node.
      const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
      const { stdout } = await promisify(execFile)(process.execPath, [cli, file]).catch((failure) => failure);
      expect(JSON.parse(stdout)).toEqual({ valid: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** The response's status, media type, headers and body are those the document gives for the operation. */
function expectDocumented(res: Response, method: Method, documentedPath: string): void {
  const documented = openApiDocument.paths[documentedPath]?.[method]?.responses[res.status];
  if (!documented) throw new Error(`${method.toUpperCase()} ${documentedPath} does not document status ${res.status}`);
  expect(Object.keys(documented.content ?? {})).toContain(res.type);
  for (const name of Object.keys(documented.headers ?? {})) expect(res.headers).toHaveProperty(name.toLowerCase());
  const validate = validatorAt(
    'paths',
    documentedPath,
    method,
    'responses',
    String(res.status),
    'content',
    res.type,
    'schema',
  );
  expect({ valid: validate(res.body), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
}

describe('real responses match the document', () => {
  it('201 and 200 ingestion results', async () => {
    const meter = meterReading();
    expectDocumented(
      await request(t.app).post('/v1/ingestion/meter').send(meter).expect(201),
      'post',
      '/v1/ingestion/meter',
    );
    expectDocumented(
      await request(t.app).post('/v1/ingestion/meter').send(meter).expect(200),
      'post',
      '/v1/ingestion/meter',
    );
    expectDocumented(
      await request(t.app).post('/v1/ingestion/telemetry').send(vehicleReading()).expect(201),
      'post',
      '/v1/ingestion/telemetry',
    );
  });

  it('207 batch result', async () => {
    const res = await request(t.app)
      .post('/v1/ingestion/batch')
      .send([meterReading(), vehicleReading(), { ...vehicleReading(), soc: 140 }])
      .expect(207);
    expectDocumented(res, 'post', '/v1/ingestion/batch');
  });

  it('400, 413 and 415 problems', async () => {
    const route = '/v1/ingestion/vehicle';
    expectDocumented(
      await request(t.app)
        .post(route)
        .send({ ...vehicleReading(), soc: -1 })
        .expect(400),
      'post',
      route,
    );
    const malformed = await request(t.app)
      .post(route)
      .set('Content-Type', 'application/json')
      .send('{"soc":')
      .expect(400);
    expectDocumented(malformed, 'post', route);
    expectDocumented(await request(t.app).post(route).type('text/plain').send('soc=1').expect(415), 'post', route);
    const tooLarge = [{ ...meterReading(), padding: 'x'.repeat(3 * 1024 * 1024) }];
    expectDocumented(
      await request(t.app).post('/v1/ingestion/batch').send(tooLarge).expect(413),
      'post',
      '/v1/ingestion/batch',
    );
  });

  it('a live status, and 404 and 400 problems for a device', async () => {
    const vehicle = vehicleReading();
    await request(t.app).post('/v1/ingestion/vehicle').send(vehicle).expect(201);
    const route = '/v1/vehicles/{vehicleId}';
    expectDocumented(await request(t.app).get(`/v1/vehicles/${vehicle.vehicleId}`).expect(200), 'get', route);
    expectDocumented(
      await request(t.app)
        .get(`/v1/vehicles/${uniqueId('NEVER')}`)
        .expect(404),
      'get',
      route,
    );
    expectDocumented(
      await request(t.app)
        .get(`/v1/vehicles/${'x'.repeat(65)}`)
        .expect(400),
      'get',
      route,
    );
  });

  it('health and readiness', async () => {
    expectDocumented(await request(t.app).get('/healthz').expect(200), 'get', '/healthz');
    expectDocumented(await request(t.app).get('/readyz').expect(200), 'get', '/readyz');
  });

  it('a charging session, an overlap conflict and a performance report', async () => {
    const session = { vehicleId: uniqueId('VEH'), meterId: uniqueId('MTR'), startedAt: minutesAgo(60) };
    const route = '/v1/charging-sessions';
    expectDocumented(await request(t.app).post(route).send(session).expect(201), 'post', route);
    expectDocumented(await request(t.app).post(route).send(session).expect(409), 'post', route);
    await request(t.app)
      .post('/v1/ingestion/vehicle')
      .send(vehicleReading({ vehicleId: session.vehicleId }))
      .expect(201);
    const performance = await request(t.app).get(`/v1/analytics/performance/${session.vehicleId}`).expect(200);
    expectDocumented(performance, 'get', '/v1/analytics/performance/{vehicleId}');
    const sessions = await request(t.app).get(route).query({ vehicleId: session.vehicleId }).expect(200);
    expectDocumented(sessions, 'get', route);
    expectDocumented(
      await request(t.app).get('/v1/analytics/fleet/efficiency').expect(200),
      'get',
      '/v1/analytics/fleet/efficiency',
    );
  });
});

describe('refusals match the document', () => {
  let guarded: TestApp;
  beforeAll(async () => {
    guarded = await createTestApp({ RATE_LIMIT_MAX: '2' });
  });
  afterAll(() => guarded.close());

  it('401 without a key, 403 for the wrong role, 429 past the budget', async () => {
    const { key } = await guarded.services.auth.create('openapi-test', 'ingest');
    const meterRoute = '/v1/meters/{meterId}';
    expectDocumented(await request(guarded.app).get('/v1/meters/M-1').expect(401), 'get', meterRoute);
    const wrongRole = await request(guarded.app).get('/v1/meters/M-1').set('X-API-Key', key).expect(403);
    expectDocumented(wrongRole, 'get', meterRoute);
    const ingest = (status: number) =>
      request(guarded.app)
        .post('/v1/ingestion/meter')
        .set('Authorization', `Bearer ${key}`)
        .send(meterReading())
        .expect(status);
    expectDocumented(await ingest(201), 'post', '/v1/ingestion/meter');
    expectDocumented(await ingest(429), 'post', '/v1/ingestion/meter');
  });

  it('api keys as created and listed', async () => {
    const { key } = await guarded.services.auth.create('openapi-admin', 'admin');
    const admin = (req: request.Test) => req.set('X-API-Key', key);
    const created = await admin(request(guarded.app).post('/v1/api-keys'))
      .send({ name: 'openapi-read', role: 'read' })
      .expect(201);
    expectDocumented(created, 'post', '/v1/api-keys');
    expectDocumented(await admin(request(guarded.app).get('/v1/api-keys')).expect(200), 'get', '/v1/api-keys');
  });
});
