import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { runKeysCommand } from '../../src/auth/keys.cli';
import { ValidationError, type FieldError } from '../../src/errors/problem';
import { validatorAt } from '../support/document-schemas';
import { uniqueId } from '../support/factories';
import { bearer, createAdminTestApp, type TestApp } from '../support/test-app';

/*
 * A device's reporting interval, which coverage counts expected readings by: set at registration, in a
 * bulk import or by a PATCH, shown by every read, refused at the edge when it is not 1-86400 whole seconds.
 */

let t: TestApp;
let admin: string;
beforeAll(async () => ({ t, admin } = await createAdminTestApp()));
afterAll(() => t.close());

const register = (body: object) => request(t.app).post('/v1/devices').set(bearer(admin)).send(body);
const patch = (id: string, body: object) => request(t.app).patch(`/v1/devices/${id}`).set(bearer(admin)).send(body);
const get = (id: string) => request(t.app).get(`/v1/devices/${id}`).set(bearer(admin));
const importing = (devices: object[]) => request(t.app).post('/v1/devices/import').set(bearer(admin)).send({ devices });
/** The interval each of these devices has in the table, by id; a device not registered is absent. */
const stored = async (ids: string[]): Promise<Record<string, number | null>> => {
  const rows = await t.db.dataSource.query<Array<{ id: string; interval: number | null }>>(
    `SELECT id, reporting_interval_s AS interval FROM device WHERE id = ANY($1)`,
    [ids],
  );
  return Object.fromEntries(rows.map(({ id, interval }) => [id, interval]));
};
const accessVersion = async () => (await t.db.dataSource.query(`SELECT version FROM access_version`))[0].version;
const isDeviceView = validatorAt('components', 'schemas', 'DeviceView');

describe('the registry routes', () => {
  it('registers a device with an interval or without one, and every read shows it as the document says', async () => {
    const [timed, plain] = [uniqueId('MTR'), uniqueId('MTR')];
    expect(
      (await register({ id: timed, kind: 'meter', reportingIntervalSeconds: 900 }).expect(201)).body,
    ).toMatchObject({ reportingIntervalSeconds: 900 });
    expect((await register({ id: plain, kind: 'meter' }).expect(201)).body.reportingIntervalSeconds).toBeNull();
    const one = (await get(timed).expect(200)).body;
    expect(one.reportingIntervalSeconds).toBe(900);
    const page = await request(t.app).get('/v1/devices').set(bearer(admin)).query({ kind: 'meter' }).expect(200);
    const listed = (id: string) => (page.body.devices as Array<{ id: string }>).find((device) => device.id === id);
    expect([listed(timed), listed(plain)]).toMatchObject([
      { reportingIntervalSeconds: 900 },
      { reportingIntervalSeconds: null },
    ]);
    // The schema refuses fields it does not name, so an answer carrying one it lacks would fail here.
    for (const device of [one, listed(timed), listed(plain)]) expect(isDeviceView(device)).toBe(true);
  });

  it('accepts the bounds, 1 and 86400; a PATCH sets it, leaves it when absent, and null returns it to the default', async () => {
    const id = uniqueId('VEH');
    await register({ id, kind: 'vehicle', label: 'Van', reportingIntervalSeconds: 1 }).expect(201);
    expect((await patch(id, { reportingIntervalSeconds: 86_400 }).expect(200)).body.reportingIntervalSeconds).toBe(
      86_400,
    );
    expect((await patch(id, { label: 'Van 2' }).expect(200)).body.reportingIntervalSeconds).toBe(86_400);
    expect((await patch(id, { reportingIntervalSeconds: null }).expect(200)).body).toMatchObject({
      label: 'Van 2',
      reportingIntervalSeconds: null,
    });
    expect(await stored([id])).toEqual({ [id]: null });
  });

  it('changing only the interval moves no access version: no process reloads its keys for it', async () => {
    const id = uniqueId('MTR');
    await register({ id, kind: 'meter' }).expect(201);
    const before = await accessVersion();
    await patch(id, { reportingIntervalSeconds: 300 }).expect(200);
    await patch(id, { reportingIntervalSeconds: null }).expect(200);
    expect(await accessVersion()).toBe(before);
  });
});

const BAD: Array<[string, unknown]> = [
  ['a fraction', 60.5],
  ['0', 0],
  ['86401', 86_401],
  ['a negative number', -60],
  ['a string of digits', '60'],
  ['a boolean', true],
];

describe('a bad interval is a 400 problem naming the field, and nothing is written', () => {
  const refused = (res: request.Response, path: string) => {
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, type: '/problems/validation-error' });
    expect(res.body.errors).toContainEqual({
      path,
      message: 'reportingIntervalSeconds must be a whole number of seconds from 1 to 86400',
    });
  };

  it.each(BAD)('registering with %s', async (_case, reportingIntervalSeconds) => {
    const id = uniqueId('MTR');
    refused(await register({ id, kind: 'meter', reportingIntervalSeconds }).expect(400), 'reportingIntervalSeconds');
    expect(await stored([id])).toEqual({});
  });

  it.each(BAD)('changing to %s', async (_case, reportingIntervalSeconds) => {
    const id = uniqueId('MTR');
    await register({ id, kind: 'meter', reportingIntervalSeconds: 60 }).expect(201);
    refused(await patch(id, { label: 'x', reportingIntervalSeconds }).expect(400), 'reportingIntervalSeconds');
    expect((await get(id).expect(200)).body).toMatchObject({ label: null, reportingIntervalSeconds: 60 });
  });

  it.each(BAD)('importing with %s', async (_case, reportingIntervalSeconds) => {
    const [ok, bad] = [uniqueId('MTR'), uniqueId('MTR')];
    const res = await importing([
      { id: ok, kind: 'meter' },
      { id: bad, kind: 'meter', reportingIntervalSeconds },
    ]).expect(400);
    refused(res, 'devices[1].reportingIntervalSeconds');
    expect(await stored([ok, bad])).toEqual({});
  });
});

describe('the bulk import', () => {
  it('registers each new device with its interval, and leaves one registered before as it is', async () => {
    const [known, timed, plain] = [uniqueId('MTR'), uniqueId('MTR'), uniqueId('VEH')];
    await register({ id: known, kind: 'meter', reportingIntervalSeconds: 30 }).expect(201);
    await importing([
      { id: known, kind: 'meter', reportingIntervalSeconds: 600 },
      { id: timed, kind: 'meter', reportingIntervalSeconds: 600 },
      { id: plain, kind: 'vehicle', reportingIntervalSeconds: null },
    ]).expect(200);
    expect(await stored([known, timed, plain])).toEqual({ [known]: 30, [timed]: 600, [plain]: null });
  });

  const csv = async (text: string) => {
    const path = join(await mkdtemp(join(tmpdir(), 'devices-')), 'devices.csv');
    await writeFile(path, text);
    const keys = { auth: t.services.auth, imports: t.services.deviceImport };
    return runKeysCommand(keys, ['devices', 'import', path]);
  };

  it('from a CSV file, reads the column as whole seconds, an empty cell as the default', async () => {
    const [timed, plain] = [uniqueId('MTR'), uniqueId('VEH')];
    await csv(`id,kind,reportingIntervalSeconds,label\n${timed},meter,120,Bay 1\n${plain},vehicle,,\n`);
    expect(await stored([timed, plain])).toEqual({ [timed]: 120, [plain]: null });
  });

  it.each(['0', '86401', '1.5', '60s', '1e2'])('refuses a file with %s on line 3, registering nothing', async (bad) => {
    const [ok, refused] = [uniqueId('MTR'), uniqueId('MTR')];
    const error = await csv(`id,kind,reportingIntervalSeconds\n${ok},meter,60\n${refused},meter,${bad}\n`).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).extensions.errors as FieldError[]).toEqual([
      { path: 'line 3', message: 'reportingIntervalSeconds must be a whole number of seconds from 1 to 86400' },
    ]);
    expect(await stored([ok, refused])).toEqual({});
  });
});
