import request from 'supertest';
import { createApp } from '../../src/app';
import { captureLogs } from '../support/log-capture';
import { createTestApp, type TestApp } from '../support/test-app';
import { meterReading, vehicleReading } from '../support/factories';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ INGEST_GROUP_COMMIT_MS: '50' });
});
afterAll(() => t.close());

const metricValue = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : NaN;
};

describe('request ids and logs', () => {
  it('echoes a caller X-Request-Id and logs the request under it', async () => {
    const { logger, lines } = captureLogs('info');
    const app = createApp({ config: t.config, logger, services: t.services });
    await request(app).get('/healthz').set('X-Request-Id', 'trace-42').expect('X-Request-Id', 'trace-42');
    const entry = lines.map((line) => JSON.parse(line)).find((log) => log.req?.url === '/healthz');
    expect(entry).toMatchObject({ reqId: 'trace-42', res: { statusCode: 200 } });
    expect(entry.req.headers).toBeUndefined();
  });

  it('makes up a request id when none (or a malformed one) is given', async () => {
    const res = await request(t.app).get('/healthz').set('X-Request-Id', 'bad id with spaces');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets helmet security headers', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });
});

describe('GET /metrics', () => {
  it('counts readings by type and outcome and times requests by route pattern', async () => {
    const meter = meterReading();
    await Promise.all([
      request(t.app).post('/v1/ingestion/meter').send(meter).expect(201),
      request(t.app).post('/v1/ingestion/vehicle').send(vehicleReading()).expect(201),
    ]);
    await request(t.app).post('/v1/ingestion/meter').send(meter).expect(200);
    await request(t.app)
      .post('/v1/ingestion/batch')
      .send([vehicleReading(), { ...vehicleReading(), soc: 300 }])
      .expect(207);
    await request(t.app).get(`/v1/meters/${meter.meterId}`).expect(200);

    const res = await request(t.app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.text;
    expect(metricValue(text, 'fleet_readings_total{type="meter",outcome="ingested"}')).toBe(1);
    expect(metricValue(text, 'fleet_readings_total{type="meter",outcome="duplicate"}')).toBe(1);
    expect(metricValue(text, 'fleet_readings_total{type="vehicle",outcome="ingested"}')).toBe(2);
    expect(metricValue(text, 'fleet_readings_total{type="vehicle",outcome="rejected"}')).toBe(1);
    // Each of the three single readings went through exactly one group. How many groups the two
    // concurrent ones made depends on when they arrived; test/ingestion/group-commit covers sharing.
    expect(metricValue(text, 'fleet_group_commit_size_sum')).toBe(3);
    expect(
      metricValue(text, 'http_request_duration_seconds_count{method="GET",route="/v1/meters/:meterId",status="200"}'),
    ).toBe(1);
    for (const pool of ['ingest', 'reads', 'exports', 'stream', 'maintenance']) {
      expect(text).toMatch(new RegExp(`^fleet_db_pool_connections\\{pool="${pool}",state="idle"\\} \\d+$`, 'm'));
      expect(text).toMatch(new RegExp(`^fleet_db_pool_waiting\\{pool="${pool}"\\} 0$`, 'm'));
    }
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('times a failed request under the same route pattern as a successful one', async () => {
    const keyed = await createTestApp();
    try {
      await keyed.services.auth.create('reader', 'read');
      await request(keyed.app).post('/v1/ingestion/meter').send(meterReading()).expect(401);
      await request(keyed.app).get('/v1/analytics/performance/V-1').expect(401);
      await request(keyed.app).get('/v1/no-such-route').expect(401);
      await request(t.app)
        .post('/v1/ingestion/meter')
        .send({ ...meterReading(), voltage: -1 })
        .expect(400);
      await request(t.app).get('/v1/analytics/performance/V-1?from=yesterday').expect(400);
      await request(t.app).get('/v1/no-such-route').expect(404);

      const series = (method: string, route: string, status: number) =>
        `http_request_duration_seconds_count{method="${method}",route="${route}",status="${status}"}`;
      const keyedText = (await request(keyed.app).get('/metrics').expect(200)).text;
      expect(metricValue(keyedText, series('POST', '/v1/ingestion/meter', 401))).toBe(1);
      expect(metricValue(keyedText, series('GET', '/v1/analytics/performance/:vehicleId', 401))).toBe(1);
      // A path no route takes stays one label value, however many such paths are asked for.
      expect(metricValue(keyedText, series('GET', 'unmatched', 401))).toBe(1);
      const text = (await request(t.app).get('/metrics').expect(200)).text;
      expect(metricValue(text, series('POST', '/v1/ingestion/meter', 400))).toBe(1);
      expect(metricValue(text, series('GET', '/v1/analytics/performance/:vehicleId', 400))).toBe(1);
      expect(metricValue(text, series('GET', 'unmatched', 404))).toBe(1);
      expect(text).not.toMatch(/route="\/(meter|performance)/);
    } finally {
      await keyed.close();
    }
  });
});
