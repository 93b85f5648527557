import request, { type Response } from 'supertest';
import { meterReading, uniqueId, vehicleReading } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const register = (body: object) => request(t.app).post('/v1/devices').send(body);
const get = (id: string) => request(t.app).get(`/v1/devices/${id}`);
const patch = (id: string, body: object) => request(t.app).patch(`/v1/devices/${id}`).send(body);
const registry = () =>
  t.db.dataSource.query<object[]>(`SELECT id, kind, label, decommissioned_at FROM device ORDER BY id`);
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('registering a device', () => {
  it('answers 201 with the device and its Location; it has not reported yet', async () => {
    const id = uniqueId('MTR');
    const res = await register({ id, kind: 'meter', label: 'Depot 3, bay 12' }).expect(201);
    expect(res.body).toEqual({
      id,
      kind: 'meter',
      label: 'Depot 3, bay 12',
      reportingIntervalSeconds: null,
      state: 'active',
      createdAt: expect.stringMatching(INSTANT),
      decommissionedAt: null,
      lastSeenAt: null,
      dataQuality: [],
    });
    expect(res.headers.location).toBe(`/v1/devices/${id}`);
    expect((await get(id).expect(200)).body).toEqual(res.body);
  });

  it.each([
    [
      'meter',
      'meter_live',
      'meter_id',
      (id: string): [string, object] => ['/v1/ingestion/meter', meterReading({ meterId: id })],
    ],
    [
      'vehicle',
      'vehicle_live',
      'vehicle_id',
      (id: string): [string, object] => ['/v1/ingestion/vehicle', vehicleReading({ vehicleId: id })],
    ],
  ] as const)('shows when a %s last reported, from its newest stored reading', async (kind, table, column, reading) => {
    const id = uniqueId('DEV');
    await register({ id, kind }).expect(201);
    const [path, body] = reading(id);
    await request(t.app).post(path).send(body).expect(201);
    const [{ updated_at: storedAt }] = await t.db.dataSource.query(
      `SELECT updated_at FROM ${table} WHERE ${column} = $1`,
      [id],
    );
    expect((await get(id).expect(200)).body).toMatchObject({ kind, label: null, lastSeenAt: storedAt.toISOString() });
  });

  it('keeps a label of 100 characters as sent, counted as PostgreSQL counts them, and no label when given null', async () => {
    const hearts = '\u2764\uFE0F'.repeat(50);
    const id = uniqueId('MTR');
    expect((await register({ id, kind: 'meter', label: hearts }).expect(201)).body.label).toBe(hearts);
    expect((await register({ id: uniqueId('MTR'), kind: 'meter', label: null }).expect(201)).body.label).toBeNull();
  });

  it('refuses an id already registered, of either kind, with 409, and changes nothing', async () => {
    const id = uniqueId('DEV');
    await register({ id, kind: 'vehicle', label: 'Van 7' }).expect(201);
    const before = await registry();
    for (const kind of ['vehicle', 'meter']) {
      const res = await register({ id, kind, label: 'Other' }).expect(409);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.detail).toBe(`Device ${id} is already registered, as a vehicle.`);
    }
    expect(await registry()).toEqual(before);
  });
});

describe('changing a device', () => {
  it('renames it, and a null label removes the name', async () => {
    const id = uniqueId('VEH');
    await register({ id, kind: 'vehicle', label: 'Van 1' }).expect(201);
    expect((await patch(id, { label: 'Van 1 (sold)' }).expect(200)).body.label).toBe('Van 1 (sold)');
    expect((await patch(id, {}).expect(200)).body.label).toBe('Van 1 (sold)');
    expect((await patch(id, { label: null }).expect(200)).body.label).toBeNull();
  });

  it('retires it, keeps the first moment when retired again, and reinstates it', async () => {
    const id = uniqueId('VEH');
    await register({ id, kind: 'vehicle' }).expect(201);
    const retired = (await request(t.app).delete(`/v1/devices/${id}`).expect(200)).body;
    expect(retired).toMatchObject({ state: 'decommissioned', decommissionedAt: expect.stringMatching(INSTANT) });
    // Moved back a day, so that a second retirement stamping the time anew could not pass unnoticed.
    await t.db.dataSource.query(
      `UPDATE device SET decommissioned_at = decommissioned_at - interval '1 day' WHERE id = $1`,
      [id],
    );
    const firstMoment = new Date(Date.parse(retired.decommissionedAt) - 86_400_000).toISOString();
    expect((await patch(id, { state: 'decommissioned' }).expect(200)).body.decommissionedAt).toBe(firstMoment);
    expect((await request(t.app).delete(`/v1/devices/${id}`).expect(200)).body.decommissionedAt).toBe(firstMoment);
    expect((await patch(id, { state: 'active' }).expect(200)).body).toMatchObject({
      state: 'active',
      decommissionedAt: null,
    });
  });

  it.each([
    ['GET', () => get('NOBODY-1')],
    ['PATCH', () => patch('NOBODY-1', { label: 'x' })],
    ['DELETE', () => request(t.app).delete('/v1/devices/NOBODY-1')],
  ])('%s of a device never registered is a 404 problem', async (_method, send) => {
    const res = await send().expect(404);
    expect(res.body).toMatchObject({ type: '/problems/not-found', detail: 'No device NOBODY-1 is registered.' });
  });
});

describe('listing devices', () => {
  it('pages through the registry in id order, narrowed by kind and state', async () => {
    const prefix = uniqueId('LIST');
    const ids = ['A', 'B', 'C', 'D'].map((suffix) => `${prefix}-${suffix}`);
    await register({ id: ids[0], kind: 'meter' }).expect(201);
    await register({ id: ids[1], kind: 'vehicle' }).expect(201);
    await register({ id: ids[2], kind: 'vehicle' }).expect(201);
    await register({ id: ids[3], kind: 'vehicle' }).expect(201);
    await request(t.app).delete(`/v1/devices/${ids[3]}`).expect(200);
    const ours = (devices: Array<{ id: string }>) => devices.map((d) => d.id).filter((id) => id.startsWith(prefix));

    const seen: string[] = [];
    let cursor: string | null = `${prefix}`;
    while (cursor !== null) {
      const page: Response = await request(t.app).get('/v1/devices').query({ limit: 2, cursor }).expect(200);
      expect(page.body.devices.length).toBeLessThanOrEqual(2);
      seen.push(...ours(page.body.devices));
      cursor = page.body.nextCursor;
    }
    expect(seen).toEqual(ids);

    const activeVehicles = await request(t.app)
      .get('/v1/devices')
      .query({ kind: 'vehicle', state: 'active', cursor: prefix });
    expect(ours(activeVehicles.body.devices)).toEqual([ids[1], ids[2]]);
    const retired = await request(t.app).get('/v1/devices').query({ state: 'decommissioned', cursor: prefix });
    expect(ours(retired.body.devices)).toEqual([ids[3]]);
  });
});

describe('bad input is a 400 problem that writes nothing', () => {
  const id = 'BAD-INPUT-1';
  it.each<[string, object, string]>([
    ['an unknown field', { id, kind: 'meter', colour: 'red' }, 'colour'],
    ['no kind', { id }, 'kind'],
    ['an unknown kind', { id, kind: 'charger' }, 'kind'],
    ['an id breaking the id rule', { id: 'has space', kind: 'meter' }, 'id'],
    ['an empty label', { id, kind: 'meter', label: '' }, 'label'],
    ['a label of 101 characters', { id, kind: 'meter', label: 'x'.repeat(101) }, 'label'],
    ['a label of 102 characters that looks like 51', { id, kind: 'meter', label: '\u2764\uFE0F'.repeat(51) }, 'label'],
    ['a label with a lone surrogate half', { id, kind: 'meter', label: 'bay \uD800' }, 'label'],
    ['a label with a NUL', { id, kind: 'meter', label: 'bay\u00001' }, 'label'],
    ['a label with a line break', { id, kind: 'meter', label: 'bay\n1' }, 'label'],
    ['a label that is a number', { id, kind: 'meter', label: 12 }, 'label'],
  ])('registering with %s', async (_case, body, path) => {
    const before = await registry();
    const res = await register(body).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await registry()).toEqual(before);
  });

  it.each<[string, object, string]>([
    ['an unknown state', { state: 'sold' }, 'state'],
    ['a label with a control character', { label: 'bay\u00071' }, 'label'],
    ['an unknown field', { kind: 'vehicle' }, 'kind'],
  ])('changing with %s', async (_case, body, path) => {
    const target = uniqueId('VEH');
    await register({ id: target, kind: 'vehicle', label: 'Van' }).expect(201);
    const before = await registry();
    const res = await patch(target, body).expect(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await registry()).toEqual(before);
  });

  it.each([
    ['an unknown kind', { kind: 'charger' }],
    ['a page of 0', { limit: '0' }],
    ['a cursor breaking the id rule', { cursor: 'a b' }],
    ['an unknown state', { state: 'sold' }],
  ])('listing with %s', async (_case, query) => {
    const res = await request(t.app).get('/v1/devices').query(query).expect(400);
    expect(res.body.type).toBe('/problems/validation-error');
  });

  it('a path id breaking the id rule', async () => {
    const res = await get('a%20b').expect(400);
    expect(res.body.type).toBe('/problems/validation-error');
  });
});

describe('held up behind a lock on the access version', () => {
  it('a change gives way with a 503 and writes nothing, while readings go on', async () => {
    const id = uniqueId('VEH');
    await register({ id, kind: 'vehicle', label: 'Van' }).expect(201);
    const holder = t.db.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`UPDATE access_version SET version = version`);
      const [change, reading] = await Promise.all([
        patch(id, { label: 'Renamed' }),
        request(t.app).post('/v1/ingestion/meter').send(meterReading()),
      ]);
      expect([change.status, change.body.type]).toEqual([503, expect.stringMatching(/^\/problems\//)]);
      expect(reading.status).toBe(201);
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    expect((await get(id).expect(200)).body.label).toBe('Van');
  });
});
