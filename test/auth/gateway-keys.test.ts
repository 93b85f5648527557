import request from 'supertest';
import { chargingSession, meterReading, minutesAgo, uniqueId, vehicleReading } from '../support/factories';
import { bearer, createAdminTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let admin: string;
beforeAll(async () => ({ t, admin } = await createAdminTestApp()));
afterAll(() => t.close());

const asAdmin = (req: request.Test) => req.set(bearer(admin));

async function device(kind: 'meter' | 'vehicle'): Promise<string> {
  const id = uniqueId(kind === 'meter' ? 'MTR' : 'VEH');
  await asAdmin(request(t.app).post('/v1/devices')).send({ id, kind }).expect(201);
  return id;
}

const gateway = async (devices: string[]) =>
  (
    await asAdmin(request(t.app).post('/v1/api-keys'))
      .send({ name: uniqueId('depot'), role: 'ingest', scope: 'devices', devices })
      .expect(201)
  ).body as { id: string; key: string; scope: string; devices: string[] };

const count = async (table: string, column: string, id: string) =>
  Number((await t.db.dataSource.query(`SELECT count(*) AS n FROM ${table} WHERE ${column} = $1`, [id]))[0].n);
const refusedFor = async (reason: string) => {
  const match = new RegExp(`^fleet_auth_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(
    (await request(t.app).get('/metrics').expect(200)).text,
  );
  return match ? Number(match[1]) : 0;
};

describe('a gateway key', () => {
  it('writes readings of its devices, and a reading of any other is a 403 naming it, with nothing stored', async () => {
    const [meter, vehicle, outside] = [await device('meter'), await device('vehicle'), await device('meter')];
    const { key } = await gateway([meter, vehicle]);
    const before = await refusedFor('scope');
    await request(t.app)
      .post('/v1/ingestion/meter')
      .set(bearer(key))
      .send(meterReading({ meterId: meter }))
      .expect(201);
    await request(t.app)
      .post('/v1/ingestion/vehicle')
      .set(bearer(key))
      .send(vehicleReading({ vehicleId: vehicle }))
      .expect(201);
    const refused = await request(t.app)
      .post('/v1/ingestion/meter')
      .set(bearer(key))
      .send(meterReading({ meterId: outside }))
      .expect(403);
    expect(refused.body.detail).toContain(`meter ${outside}`);
    expect(refused.body.detail).toContain('writes readings of the 2 devices of its scope only');
    // A vehicle reading under a meter of its scope's id is still outside: the kind is part of the scope.
    await request(t.app)
      .post('/v1/ingestion/vehicle')
      .set(bearer(key))
      .send(vehicleReading({ vehicleId: meter }))
      .expect(403);
    expect([
      await count('meter_history', 'meter_id', meter),
      await count('meter_history', 'meter_id', outside),
    ]).toEqual([1, 0]);
    expect(await count('vehicle_history', 'vehicle_id', meter)).toBe(0);
    expect(await refusedFor('scope')).toBe(before + 2);
  });

  it('in a batch, readings outside its scope are refused by index (207) and the rest stored', async () => {
    const [meter, outside] = [await device('meter'), await device('meter')];
    const { key } = await gateway([meter]);
    const res = await request(t.app)
      .post('/v1/ingestion/batch')
      .set(bearer(key))
      .send([
        meterReading({ meterId: meter, timestamp: minutesAgo(2) }),
        meterReading({ meterId: outside }),
        meterReading({ meterId: meter, timestamp: minutesAgo(1) }),
      ])
      .expect(207);
    expect(res.body).toMatchObject({ received: 3, rejected: 1, errors: [{ index: 1, errors: [{ path: 'meterId' }] }] });
    expect([
      await count('meter_history', 'meter_id', meter),
      await count('meter_history', 'meter_id', outside),
    ]).toEqual([2, 0]);
  });

  it('is listed with its scope; a fleet-wide key says fleet', async () => {
    const meter = await device('meter');
    const { id } = await gateway([meter]);
    const listed = (await asAdmin(request(t.app).get('/v1/api-keys')).expect(200)).body as Array<{ id: string }>;
    expect(listed.find((key) => key.id === id)).toMatchObject({ role: 'ingest', scope: 'devices', devices: [meter] });
    expect(listed.find((key) => key.id !== id)).toMatchObject({ scope: 'fleet', devices: null });
  });

  it('stops writing for a device once the device is decommissioned, and keeps the rest', async () => {
    const [kept, retired] = [await device('meter'), await device('meter')];
    const { key } = await gateway([kept, retired]);
    await asAdmin(request(t.app).patch(`/v1/devices/${retired}`))
      .send({ state: 'decommissioned' })
      .expect(200);
    await request(t.app)
      .post('/v1/ingestion/meter')
      .set(bearer(key))
      .send(meterReading({ meterId: retired }))
      .expect(403);
    await request(t.app)
      .post('/v1/ingestion/meter')
      .set(bearer(key))
      .send(meterReading({ meterId: kept }))
      .expect(201);
  });

  it('may not read, nor manage keys or devices', async () => {
    const meter = await device('meter');
    const { key } = await gateway([meter]);
    await request(t.app).get(`/v1/meters/${meter}`).set(bearer(key)).expect(403);
    await request(t.app).get('/v1/api-keys').set(bearer(key)).expect(403);
    await request(t.app)
      .post('/v1/devices')
      .set(bearer(key))
      .send({ id: uniqueId('MTR'), kind: 'meter' })
      .expect(403);
  });
});

describe('creating a gateway key', () => {
  it.each([
    ['an ingest key without a scope', { role: 'ingest' }, 'scope'],
    ['a devices scope without devices', { role: 'ingest', scope: 'devices' }, 'devices'],
    ['an empty device list', { role: 'ingest', scope: 'devices', devices: [] }, 'devices'],
    ['a repeated device', { role: 'ingest', scope: 'devices', devices: ['m-1', 'm-1'] }, 'devices'],
    ['a malformed device id', { role: 'ingest', scope: 'devices', devices: ['m 1'] }, 'devices'],
    ['devices with a fleet scope', { role: 'ingest', scope: 'fleet', devices: ['m-1'] }, 'devices'],
    ['a scoped read key', { role: 'read', scope: 'devices', devices: ['m-1'] }, 'scope'],
    ['an unknown scope', { role: 'ingest', scope: 'depot' }, 'scope'],
  ])('refuses %s with a 400 naming the field, and creates nothing', async (_, body, path) => {
    const before = (await asAdmin(request(t.app).get('/v1/api-keys')).expect(200)).body.length;
    const res = await asAdmin(request(t.app).post('/v1/api-keys'))
      .send({ name: 'refused', ...body })
      .expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    expect((await asAdmin(request(t.app).get('/v1/api-keys')).expect(200)).body.length).toBe(before);
  });

  it('refuses devices that are not registered or are decommissioned, naming them, and creates nothing', async () => {
    const [registered, retired] = [await device('meter'), await device('meter')];
    await asAdmin(request(t.app).patch(`/v1/devices/${retired}`))
      .send({ state: 'decommissioned' })
      .expect(200);
    const unknown = uniqueId('MTR');
    const before = (await asAdmin(request(t.app).get('/v1/api-keys')).expect(200)).body.length;
    const res = await asAdmin(request(t.app).post('/v1/api-keys'))
      .send({ name: 'half-known', role: 'ingest', scope: 'devices', devices: [registered, unknown, retired] })
      .expect(400);
    expect(res.body.errors[0].message).toContain(unknown);
    expect(res.body.errors[0].message).toContain(retired);
    expect(res.body.errors[0].message).not.toContain(registered);
    expect((await asAdmin(request(t.app).get('/v1/api-keys')).expect(200)).body.length).toBe(before);
    expect(
      Number((await t.db.dataSource.query(`SELECT count(*) AS n FROM api_key WHERE name = 'half-known'`))[0].n),
    ).toBe(0);
  });
});

describe('charging sessions from a scoped key', () => {
  it('a gateway key for meters opens and closes sessions on them, for any vehicle of the fleet, and on no other meter', async () => {
    const [meter, outside, vehicle] = [await device('meter'), await device('meter'), await device('vehicle')];
    const { key } = await gateway([meter]);
    // The vehicle is another depot's: vans charge where they are.
    const opened = await request(t.app)
      .post('/v1/charging-sessions')
      .set(bearer(key))
      .send(chargingSession({ meterId: meter, vehicleId: vehicle }))
      .expect(201);
    await request(t.app)
      .patch(`/v1/charging-sessions/${opened.body.id}`)
      .set(bearer(key))
      .send({ endedAt: minutesAgo(10) })
      .expect(200);

    const refused = await request(t.app)
      .post('/v1/charging-sessions')
      .set(bearer(key))
      .send(chargingSession({ meterId: outside, vehicleId: vehicle }))
      .expect(403);
    expect(refused.body.detail).toContain('meters of its scope only');
    expect(await count('charging_session', 'meter_id', outside)).toBe(0);
  });

  it('may not book a session for a vehicle the registry does not hold, or has retired', async () => {
    const [meter, retired] = [await device('meter'), await device('vehicle')];
    await asAdmin(request(t.app).patch(`/v1/devices/${retired}`))
      .send({ state: 'decommissioned' })
      .expect(200);
    const { key } = await gateway([meter]);
    for (const vehicleId of [uniqueId('VEH'), retired, meter]) {
      const res = await request(t.app)
        .post('/v1/charging-sessions')
        .set(bearer(key))
        .send(chargingSession({ meterId: meter, vehicleId }))
        .expect(403);
      expect(res.body.detail).toContain(`${vehicleId} is not one`);
    }
    expect(await count('charging_session', 'meter_id', meter)).toBe(0);
  });

  it("may not close a session on another meter, is not told which meter, and the session's end is untouched", async () => {
    const [meter, outside] = [await device('meter'), await device('meter')];
    const { key } = await gateway([meter]);
    const { body: session } = await asAdmin(request(t.app).post('/v1/charging-sessions'))
      .send(chargingSession({ meterId: outside }))
      .expect(201);
    const refused = await request(t.app)
      .patch(`/v1/charging-sessions/${session.id}`)
      .set(bearer(key))
      .send({ endedAt: minutesAgo(10) })
      .expect(403);
    expect(refused.body.detail).not.toContain(outside);
    const [{ ended }] = await t.db.dataSource.query(`SELECT ended_at AS ended FROM charging_session WHERE id = $1`, [
      session.id,
    ]);
    expect(ended).toBeNull();
  });

  it('a fleet-wide ingest key still may not record sessions', async () => {
    const { key } = await t.services.auth.create('backend', 'ingest');
    await request(t.app).post('/v1/charging-sessions').set(bearer(key)).send(chargingSession()).expect(403);
  });
});
