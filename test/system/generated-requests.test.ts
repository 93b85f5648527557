import fc from 'fast-check';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { uniqueId } from '../support/factories';
import { generatedRequest, send } from './request-arbitraries';

/*
 * Generated requests at every route: odd timestamps, extreme numbers, nested values, broken
 * percent-encoding, wrong media types and encodings. Whatever a client sends, the answer is never a
 * 5xx, and a 4xx answer is a problem body that leaves every table as it was.
 */

let t: TestApp;
let keyed: TestApp;
beforeAll(async () => {
  // Open for good, so a generated POST /v1/api-keys that lands does not close the rest of the run.
  t = await createTestApp({
    AUTH_DISABLED: 'true',
    RATE_LIMIT_MAX: '0',
    BODY_LIMIT: '64kb',
    HISTORY_RETENTION: '3 months',
  });
  keyed = await createTestApp({ RATE_LIMIT_MAX: '0' });
  await keyed.services.auth.create('fuzz', 'ingest');
}, 120_000);
afterAll(async () => {
  await t?.close();
  await keyed?.close();
});

const WRITTEN = `SELECT (SELECT count(*) FROM meter_history) + (SELECT count(*) FROM vehicle_history)
  + (SELECT count(*) FROM meter_live) + (SELECT count(*) FROM vehicle_live)
  + (SELECT count(*) FROM charging_session) + (SELECT count(*) FROM api_key) + (SELECT count(*) FROM device) + (SELECT count(*) FROM device_credential)
  + (SELECT count(*) FROM api_key_device) + (SELECT count(*) FROM webhook_endpoint) + (SELECT count(*) FROM webhook_delivery)
  + (SELECT version FROM access_version) AS n`;
const written = async (app: TestApp) => Number((await app.db.dataSource.query(WRITTEN))[0].n);

describe('generated requests', () => {
  it('never answer 5xx, and a 4xx answer is a problem body that wrote nothing', async () => {
    await fc.assert(
      fc.asyncProperty(generatedRequest, async (r) => {
        const before = await written(t);
        const res = await send(t, r);
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(res.body).toMatchObject({ status: res.status, type: expect.stringMatching(/^\/problems\//) });
          expect(await written(t)).toBe(before);
        }
      }),
      { numRuns: 1_500 },
    );
  }, 600_000);

  it('leave every analytics endpoint answering afterwards', async () => {
    const vehicleId = uniqueId('VEH');
    // Status and body together, so a failure shows the problem the service answered.
    const answer = async (req: request.Test) => {
      const res = await req;
      return { status: res.status, body: res.body as unknown };
    };
    const reading = {
      vehicleId,
      soc: 50,
      kwhDeliveredDc: 1_000,
      batteryTemp: 200,
      timestamp: new Date().toISOString(),
    };
    expect(await answer(request(t.app).post('/v1/ingestion/vehicle').send(reading))).toMatchObject({ status: 201 });
    expect(await answer(request(t.app).get(`/v1/analytics/performance/${vehicleId}`))).toMatchObject({ status: 200 });
    expect(await answer(request(t.app).get('/v1/analytics/fleet/efficiency?hours=8760'))).toMatchObject({
      status: 200,
    });
  });

  it('with keys required, generated credentials never answer 5xx', async () => {
    const credential = fc.record(
      {
        authorization: fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.string().map((key) => `Bearer ${key}`),
          fc.constant('Bearer'),
        ),
        'x-api-key': fc.string({ maxLength: 60 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(generatedRequest, credential, async (r, headers) => {
        const printable = Object.fromEntries(
          Object.entries(headers).filter(([, value]) => /^[\x20-\x7e]*$/.test(value)),
        );
        const before = await written(keyed);
        const res = await send(keyed, r, printable);
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(await written(keyed)).toBe(before);
      }),
      { numRuns: 300 },
    );
  }, 300_000);
});
