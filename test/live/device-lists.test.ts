import request from 'supertest';
import { chargingSession, meterReading, minutesAgo, uniqueId, vehicleReading } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';
import { validatorAt } from '../support/document-schemas';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const post = (path: string, body: object) => request(t.app).post(path).send(body).expect(201);

/** The body is what the OpenAPI document says the list answers. */
function expectDocumented(body: unknown, schema: 'MeterStatusPage' | 'VehicleStatusPage'): void {
  const validate = validatorAt('components', 'schemas', schema);
  expect({ valid: validate(body), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
}

describe('GET /v1/meters and /v1/vehicles', () => {
  it('list every device that reported, newest reading each, in id order and in pages', async () => {
    const prefix = uniqueId('LIST');
    const meters = [`${prefix}-M2`, `${prefix}-M1`, `${prefix}-M3`];
    for (const meterId of meters)
      await post('/v1/ingestion/meter', meterReading({ meterId, timestamp: minutesAgo(5) }));
    const newest = minutesAgo(1);
    await post('/v1/ingestion/meter', meterReading({ meterId: meters[0], voltage: 231.5, timestamp: newest }));

    const first = await request(t.app).get('/v1/meters').query({ limit: 2 }).expect(200);
    expect(first.body.meters.map((meter: { meterId: string }) => meter.meterId)).toEqual([
      `${prefix}-M1`,
      `${prefix}-M2`,
    ]);
    expect(first.body.meters[1]).toEqual({
      meterId: `${prefix}-M2`,
      kwhConsumedAc: 1.25,
      voltage: 231.5,
      timestamp: newest,
      updatedAt: expect.any(String),
    });
    expect(first.body.nextCursor).toBe(`${prefix}-M2`);
    expectDocumented(first.body, 'MeterStatusPage');
    const second = await request(t.app)
      .get('/v1/meters')
      .query({ limit: 2, cursor: first.body.nextCursor })
      .expect(200);
    expect(second.body).toEqual({ meters: [expect.objectContaining({ meterId: `${prefix}-M3` })], nextCursor: null });
  });

  it('names the session a vehicle is charging in now, and none for an ended or future one', async () => {
    const [charging, done, later] = ['A', 'B', 'C'].map((suffix) => uniqueId(`VEH${suffix}`));
    for (const vehicleId of [charging, done, later]) await post('/v1/ingestion/vehicle', vehicleReading({ vehicleId }));
    const open = await request(t.app)
      .post('/v1/charging-sessions')
      .send(chargingSession({ vehicleId: charging, startedAt: minutesAgo(30) }))
      .expect(201);
    await request(t.app)
      .post('/v1/charging-sessions')
      .send(chargingSession({ vehicleId: done, startedAt: minutesAgo(90), endedAt: minutesAgo(60) }))
      .expect(201);
    await request(t.app)
      .post('/v1/charging-sessions')
      .send(chargingSession({ vehicleId: later, startedAt: minutesAgo(-60) }))
      .expect(201);

    const res = await request(t.app).get('/v1/vehicles').query({ limit: 1000 }).expect(200);
    const byId = new Map(res.body.vehicles.map((vehicle: { vehicleId: string }) => [vehicle.vehicleId, vehicle]));
    expect(byId.get(charging)).toMatchObject({
      soc: 42.5,
      currentSession: { id: open.body.id, meterId: open.body.meterId, startedAt: open.body.startedAt },
    });
    expect(byId.get(done)).toMatchObject({ currentSession: null });
    expect(byId.get(later)).toMatchObject({ currentSession: null });
    expectDocumented(res.body, 'VehicleStatusPage');
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '1001' }, 'limit'],
    [{ cursor: 'not an id' }, 'cursor'],
    [{ vehicleId: 'V1' }, 'vehicleId'],
  ])('refuses %o with a 400 naming the parameter', async (query, path) => {
    const res = await request(t.app).get('/v1/vehicles').query(query).expect(400);
    expect(res.body.errors.map((error: { path: string }) => error.path)).toEqual([path]);
  });

  it('answers a read key and refuses an ingest key once the service has keys', async () => {
    const keyed = await createTestApp();
    try {
      const { key: read } = await keyed.services.auth.create('dashboard', 'read');
      const { key: ingest } = await keyed.services.auth.create('device', 'ingest');
      await request(keyed.app).get('/v1/meters').expect(401);
      await request(keyed.app).get('/v1/meters').set('Authorization', `Bearer ${ingest}`).expect(403);
      const res = await request(keyed.app).get('/v1/vehicles').set('Authorization', `Bearer ${read}`).expect(200);
      expect(res.body).toEqual({ vehicles: [], nextCursor: null });
    } finally {
      await keyed.close();
    }
  });
});
