import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { runKeysCommand } from '../../src/auth/keys.cli';
import { ValidationError } from '../../src/errors/problem';
import { meterReading, uniqueId, vehicleReading } from '../support/factories';
import { bearer, createAdminTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let admin: string;
beforeAll(async () => ({ t, admin } = await createAdminTestApp()));
afterAll(() => t.close());

const importing = (body: object) => request(t.app).post('/v1/devices/import').set(bearer(admin)).send(body);
const live = async (deviceId: string) =>
  Number(
    (
      await t.db.dataSource.query(
        `SELECT count(*) AS n FROM device_credential WHERE device_id = $1 AND revoked_at IS NULL`,
        [deviceId],
      )
    )[0].n,
  );
const registered = async (ids: string[]) =>
  Number((await t.db.dataSource.query(`SELECT count(*) AS n FROM device WHERE id = ANY($1)`, [ids]))[0].n);

type Imported = { id: string; registered: boolean; credential: { token: string; id: string } | null; error?: string };

describe('POST /v1/devices/import', () => {
  it('registers the new devices and answers a working token for each, once', async () => {
    const [meter, vehicle, known] = [uniqueId('MTR'), uniqueId('VEH'), uniqueId('MTR')];
    await request(t.app).post('/v1/devices').set(bearer(admin)).send({ id: known, kind: 'meter' }).expect(201);
    const res = await importing({
      devices: [
        { id: meter, kind: 'meter', label: 'Bay 3' },
        { id: vehicle, kind: 'vehicle' },
        { id: known, kind: 'meter' },
      ],
    }).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ registered: 2, existing: 1, issued: 2 });
    const [m, v, k] = res.body.devices as Imported[];
    expect([m.registered, v.registered, k.registered]).toEqual([true, true, false]);
    expect(k.credential).toBeNull();
    await request(t.app)
      .post('/v1/ingestion/meter')
      .set(bearer(m.credential!.token))
      .send(meterReading({ meterId: meter }))
      .expect(201);
    await request(t.app)
      .post('/v1/ingestion/vehicle')
      .set(bearer(v.credential!.token))
      .send(vehicleReading({ vehicleId: vehicle }))
      .expect(201);
    // Each token is its own device's only.
    await request(t.app)
      .post('/v1/ingestion/meter')
      .set(bearer(v.credential!.token))
      .send(meterReading({ meterId: meter }))
      .expect(403);
  });

  it('run again, registers and issues nothing; with reissue, a device keeps at most two live credentials', async () => {
    const meter = uniqueId('MTR');
    const devices = [{ id: meter, kind: 'meter' }];
    const first = (await importing({ devices }).expect(200)).body.devices[0] as Imported;
    expect((await importing({ devices }).expect(200)).body).toMatchObject({ registered: 0, existing: 1, issued: 0 });
    expect(await live(meter)).toBe(1);

    const second = (await importing({ devices, reissue: true }).expect(200)).body.devices[0] as Imported;
    expect(await live(meter)).toBe(2);
    // Rotation: the device may still be on the first token while it switches to the second.
    for (const token of [first.credential!.token, second.credential!.token]) {
      await request(t.app)
        .post('/v1/ingestion/meter')
        .set(bearer(token))
        .send(meterReading({ meterId: meter }))
        .expect(201);
    }
    const third = (await importing({ devices, reissue: true }).expect(200)).body.devices[0] as Imported;
    expect(await live(meter)).toBe(2);
    await request(t.app)
      .post('/v1/ingestion/meter')
      .set(bearer(first.credential!.token))
      .send(meterReading({ meterId: meter }))
      .expect(401);
    await request(t.app)
      .post('/v1/ingestion/meter')
      .set(bearer(third.credential!.token))
      .send(meterReading({ meterId: meter }))
      .expect(201);
  });

  it('leaves a device registered with the other kind, or decommissioned, as it is and issues it nothing', async () => {
    const [vehicle, retired] = [uniqueId('VEH'), uniqueId('MTR')];
    await importing({
      devices: [
        { id: vehicle, kind: 'vehicle' },
        { id: retired, kind: 'meter' },
      ],
    }).expect(200);
    await request(t.app)
      .patch(`/v1/devices/${retired}`)
      .set(bearer(admin))
      .send({ state: 'decommissioned' })
      .expect(200);
    const res = await importing({
      devices: [
        { id: vehicle, kind: 'meter' },
        { id: retired, kind: 'meter' },
      ],
      reissue: true,
    }).expect(200);
    expect(res.body.issued).toBe(0);
    expect(res.body.devices[0]).toMatchObject({
      kind: 'vehicle',
      credential: null,
      error: expect.stringContaining('vehicle'),
    });
    expect(res.body.devices[1]).toMatchObject({ state: 'decommissioned', credential: null });
    expect(await live(retired)).toBe(0);
  });

  it.each([
    ['an empty list', { devices: [] }, 'devices'],
    ['a list that is not one', { devices: 'MTR-1' }, 'devices'],
    [
      'a device breaking the registry rules',
      {
        devices: [
          { id: 'ok-1', kind: 'meter' },
          { id: 'bad id', kind: 'meter' },
        ],
      },
      'devices[1].id',
    ],
    ['a kind that is neither', { devices: [{ id: 'ok-2', kind: 'charger' }] }, 'devices[0].kind'],
    [
      'an id listed twice',
      {
        devices: [
          { id: 'ok-3', kind: 'meter' },
          { id: 'ok-3', kind: 'meter' },
        ],
      },
      'devices[1].id',
    ],
    [
      'an inherited field name',
      { devices: [{ id: 'ok-4', kind: 'meter', constructor: null }] },
      'devices[0].constructor',
    ],
    [
      'a "constructor" field holding a value',
      { devices: [{ id: 'ok-4', kind: 'meter', constructor: 'a' }] },
      'devices[0].constructor',
    ],
    ['a reissue that is not a boolean', { devices: [{ id: 'ok-5', kind: 'meter' }], reissue: 'yes' }, 'reissue'],
    [
      'more devices than one request takes',
      { devices: Array.from({ length: 1001 }, (_, i) => ({ id: `ok-6-${i}`, kind: 'meter' })) },
      'devices',
    ],
  ])('refuses %s with a 400 naming it, registering nothing', async (_, body, path) => {
    const res = await importing(body).expect(400);
    expect(res.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    expect(await registered(['ok-1', 'ok-2', 'ok-3', 'ok-4', 'ok-5', 'ok-6-0'])).toBe(0);
  });

  it('is for admin keys only', async () => {
    const { key } = await t.services.auth.create('backend', 'ingest');
    await request(t.app)
      .post('/v1/devices/import')
      .set(bearer(key))
      .send({ devices: [{ id: 'x-1', kind: 'meter' }] })
      .expect(403);
    expect(await registered(['x-1'])).toBe(0);
  });
});

describe('npm run keys -- devices import <file.csv>', () => {
  const keys = () => ({ auth: t.services.auth, imports: t.services.deviceImport });
  const file = async (text: string) => {
    const path = join(await mkdtemp(join(tmpdir(), 'devices-')), 'devices.csv');
    await writeFile(path, text);
    return path;
  };

  it('prints each new device’s token once, as CSV, and nothing new when run again', async () => {
    const [meter, vehicle] = [uniqueId('MTR'), uniqueId('VEH')];
    const path = await file(`id,kind,label\n${meter},meter,"Bay 3, north wall"\n${vehicle},vehicle,\n`);
    const out = await runKeysCommand(keys(), ['devices', 'import', path]);
    const [header, ...lines] = out.stdout.split('\n');
    expect(header).toBe('id,kind,credential_id,token');
    expect(lines.map((line) => line.split(',').slice(0, 2))).toEqual([
      [meter, 'meter'],
      [vehicle, 'vehicle'],
    ]);
    expect(out.stderr).toMatch(/Registered 2 devices \(0 were already registered\); issued 2 credentials/);
    const token = lines[0].split(',')[3];
    await request(t.app)
      .post('/v1/ingestion/meter')
      .set(bearer(token))
      .send(meterReading({ meterId: meter }))
      .expect(201);
    const label = await t.db.dataSource.query(`SELECT label FROM device WHERE id = $1`, [meter]);
    expect(label).toEqual([{ label: 'Bay 3, north wall' }]);

    const again = await runKeysCommand(keys(), ['devices', 'import', path]);
    expect(again.stdout).toBe('id,kind,credential_id,token');
    expect(again.stderr).toMatch(/Registered 0 devices \(2 were already registered\); issued 0 credentials/);
  });

  it.each([
    ['a missing header', 'M-1,meter\n', 'header'],
    ['an unknown column', 'id,kind,colour\nM-1,meter,red\n', 'header'],
    ['a bad id on line 3', 'id,kind\nok-7,meter\nbad id,meter\n', 'line 3'],
    ['a repeated id', 'id,kind\nok-8,meter\nok-8,meter\n', 'line 3'],
    ['a column named twice', 'id,kind,id\nok-9,meter,ok-10\n', ''],
  ])('refuses a file with %s, naming where, and registers nothing from it', async (_, text, path) => {
    const error = await runKeysCommand(keys(), ['devices', 'import', await file(text)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(((error as ValidationError).extensions.errors as Array<{ path: string }>).map((e) => e.path)).toContain(
      path,
    );
    expect(await registered(['M-1', 'ok-7', 'ok-8', 'ok-9', 'ok-10'])).toBe(0);
  });
});

describe('an import that stops part way', () => {
  it('still prints the tokens of the parts it committed, and says how to go on', async () => {
    const prefix = uniqueId('PART');
    const ids = Array.from({ length: 1001 }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
    // The last device is registered already, and its row held by someone else: the second part cannot lock it.
    await t.services.devices.register({ id: ids[1000], kind: 'meter', label: null });
    const holder = t.db.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`SELECT FROM device WHERE id = $1 FOR UPDATE`, [ids[1000]]);
      const path = join(await mkdtemp(join(tmpdir(), 'devices-')), 'devices.csv');
      await writeFile(path, ['id,kind', ...ids.map((id) => `${id},meter`)].join('\n'));
      const keys = { auth: t.services.auth, imports: t.services.deviceImport };
      const out = await runKeysCommand(keys, ['devices', 'import', path]);
      expect(out.exitCode).toBe(1);
      expect(out.stderr).toMatch(/Stopped after 1000 of 1001 devices/);
      const lines = out.stdout.split('\n').slice(1);
      expect(lines).toHaveLength(1000);
      const token = lines[0].split(',')[3];
      await request(t.app)
        .post('/v1/ingestion/meter')
        .set(bearer(token))
        .send(meterReading({ meterId: ids[0] }))
        .expect(201);
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
  });
});

describe('imports beside retirements', () => {
  it('an import and a retirement of the same devices, at once, both finish: no deadlock, no 5xx', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = [uniqueId('MTR'), uniqueId('MTR')];
      await importing({ devices: [{ id: a, kind: 'meter' }] }).expect(200);
      const [imported, retired] = await Promise.all([
        importing({
          devices: [
            { id: b, kind: 'meter' },
            { id: a, kind: 'meter' },
          ],
          reissue: true,
        }),
        request(t.app).patch(`/v1/devices/${a}`).set(bearer(admin)).send({ state: 'decommissioned' }),
      ]);
      expect([imported.status, retired.status]).toEqual([200, 200]);
    }
  });
});
