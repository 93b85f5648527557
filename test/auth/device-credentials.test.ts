import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { meterReading, minutesAgo, uniqueId, vehicleReading } from '../support/factories';
import { bearer, createAdminTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let admin: string;
beforeAll(async () => ({ t, admin } = await createAdminTestApp()));
afterAll(() => t.close());

const asAdmin = {
  post: (path: string, body: object = {}) => request(t.app).post(path).set(bearer(admin)).send(body),
  get: (path: string) => request(t.app).get(path).set(bearer(admin)),
  delete: (path: string) => request(t.app).delete(path).set(bearer(admin)),
};

async function device(kind: 'meter' | 'vehicle'): Promise<string> {
  const id = uniqueId(kind === 'meter' ? 'MTR' : 'VEH');
  await asAdmin.post('/v1/devices', { id, kind }).expect(201);
  return id;
}
const issue = (id: string, body: object = {}) => asAdmin.post(`/v1/devices/${id}/credentials`, body);
const stored = async (meterId: string) =>
  Number((await t.db.dataSource.query(`SELECT count(*) AS n FROM meter_history WHERE meter_id = $1`, [meterId]))[0].n);
const postMeter = (token: string, meterId: string) =>
  request(t.app).post('/v1/ingestion/meter').set(bearer(token)).send(meterReading({ meterId }));

it('a device token writes its own readings; another device’s is a 403 naming both, and nothing is stored', async () => {
  const [mine, theirs, vehicle] = [await device('meter'), await device('meter'), await device('vehicle')];
  const issued = await issue(mine).expect(201);
  const { token } = issued.body;
  expect(token).toMatch(/^fpd_/);
  expect(issued.headers['cache-control']).toBe('no-store');

  await postMeter(token, mine).expect(201);
  const refused = await postMeter(token, theirs).expect(403);
  expect(refused.body.detail).toBe(
    `The reading is for meter ${theirs}, but this credential writes readings of meter ${mine} only; nothing was stored.`,
  );
  await request(t.app)
    .post('/v1/ingestion/telemetry')
    .set(bearer(token))
    .send(vehicleReading({ vehicleId: vehicle }))
    .expect(403);
  expect([await stored(mine), await stored(theirs)]).toEqual([1, 0]);
  expect((await request(t.app).get('/metrics').expect(200)).text).toMatch(
    /^fleet_auth_refused_total\{reason="scope"\} 2$/m,
  );
  // An ingest credential, for readings only.
  await request(t.app).get(`/v1/meters/${mine}`).set(bearer(token)).expect(403);
});

it('in a batch, other devices’ readings are refused by index (207) and the rest stored; none of its own is a 403', async () => {
  const [mine, theirs] = [await device('meter'), await device('meter')];
  const { token } = (await issue(mine).expect(201)).body;
  const batch = [meterReading({ meterId: theirs }), meterReading({ meterId: mine }), meterReading({ meterId: theirs })];
  const res = await request(t.app).post('/v1/ingestion/batch').set(bearer(token)).send(batch).expect(207);
  expect(res.body).toMatchObject({ received: 3, stored: 1, rejected: 2 });
  expect(res.body.errors.map((e: { index: number }) => e.index)).toEqual([0, 2]);
  expect(res.body.errors[0].errors).toEqual([
    { path: 'meterId', message: `this credential writes readings of meter ${mine} only` },
  ]);
  await request(t.app)
    .post('/v1/ingestion/batch')
    .set(bearer(token))
    .send([meterReading({ meterId: theirs })])
    .expect(403);
  expect([await stored(mine), await stored(theirs)]).toEqual([1, 0]);
});

it('rotates without a gap: two live credentials both write, a third waits for a revocation, the revoked one is refused', async () => {
  const id = await device('meter');
  const old = (await issue(id).expect(201)).body;
  const fresh = (await issue(id).expect(201)).body;
  await postMeter(old.token, id).expect(201);
  await postMeter(fresh.token, id).expect(201);
  const third = await issue(id).expect(409);
  expect(third.body.detail).toMatch(/already has two live credentials/);

  const revoked = (await asAdmin.delete(`/v1/devices/${id}/credentials/${old.id}`).expect(200)).body;
  expect(revoked.revokedAt).toEqual(expect.any(String));
  await postMeter(old.token, id).expect(401);
  await postMeter(fresh.token, id).expect(201);
  await issue(id).expect(201);
});

it('an expiry of null, as the views show "never", issues a credential that does not expire', async () => {
  const id = await device('meter');
  expect((await issue(id, { expiresAt: null }).expect(201)).body.expiresAt).toBeNull();
});

it('an expired credential is refused', async () => {
  const id = await device('meter');
  const { token } = (await issue(id, { expiresAt: new Date(Date.now() + 1_500).toISOString() }).expect(201)).body;
  await postMeter(token, id).expect(201);
  await sleep(1_600);
  await postMeter(token, id).expect(401);
});

it('decommissioning a device revokes its credentials, and reinstating it gives none back', async () => {
  const id = await device('meter');
  const { token } = (await issue(id).expect(201)).body;
  await asAdmin.delete(`/v1/devices/${id}`).expect(200);
  await postMeter(token, id).expect(401);
  await issue(id).expect(409);
  await request(t.app).patch(`/v1/devices/${id}`).set(bearer(admin)).send({ state: 'active' }).expect(200);
  await postMeter(token, id).expect(401);
  const list = (await asAdmin.get(`/v1/devices/${id}/credentials`).expect(200)).body;
  expect(list).toEqual([expect.objectContaining({ revokedAt: expect.any(String) })]);
});

it('shows the token once: the table keeps its SHA-256 and the list never holds it', async () => {
  const id = await device('vehicle');
  const issued = (await issue(id).expect(201)).body;
  const rows = await t.db.dataSource.query(`SELECT * FROM device_credential WHERE device_id = $1`, [id]);
  expect(rows).toHaveLength(1);
  expect(rows[0].token_hash.equals(createHash('sha256').update(issued.token).digest())).toBe(true);
  expect(JSON.stringify(rows)).not.toContain(issued.token.slice(4, 20));
  const list = (await asAdmin.get(`/v1/devices/${id}/credentials`).expect(200)).body;
  expect(list).toEqual([
    { id: issued.id, deviceId: id, createdAt: issued.createdAt, expiresAt: null, revokedAt: null, lastUsedAt: null },
  ]);
});

it('keeps when a credential was last used without a write per reading: recorded in one statement when asked', async () => {
  const id = await device('meter');
  const { token, id: credentialId } = (await issue(id).expect(201)).body;
  const before = Date.now();
  for (let minute = 3; minute > 0; minute--) {
    await request(t.app)
      .post('/v1/ingestion/meter')
      .set(bearer(token))
      .send(meterReading({ meterId: id, timestamp: minutesAgo(minute) }))
      .expect(201);
  }
  const recorded = async () =>
    Number(
      (await t.db.dataSource.query(`SELECT count(*) AS n FROM credential_use WHERE id = $1`, [credentialId]))[0].n,
    );
  // Three readings, and nothing written about their credential yet.
  expect(await recorded()).toBe(0);
  expect((await asAdmin.get(`/v1/devices/${id}/credentials`).expect(200)).body[0].lastUsedAt).toBeNull();

  expect(await t.services.auth.recordUse()).toBe(true);
  const [listed] = (await asAdmin.get(`/v1/devices/${id}/credentials`).expect(200)).body;
  expect(Date.parse(listed.lastUsedAt)).toBeGreaterThanOrEqual(before - 1);
  expect(Date.parse(listed.lastUsedAt)).toBeLessThanOrEqual(Date.now());
  // The admin's key was used too (by the list above, among others), and is listed with its use once recorded.
  await t.services.auth.recordUse();
  const keys = (await asAdmin.get('/v1/api-keys').expect(200)).body as Array<{ name: string; lastUsedAt: string }>;
  expect(keys.find((key) => key.name === 'ops')?.lastUsedAt).toEqual(expect.any(String));
  // Recording a use moves no access version: no process reloads its keys for it.
  const version = async () => (await t.db.dataSource.query(`SELECT version FROM access_version`))[0].version;
  const at = await version();
  await postMeter(token, id);
  await t.services.auth.recordUse();
  expect(await version()).toBe(at);
});

describe('bad requests are problems that issue nothing', () => {
  const count = async () => Number((await t.db.dataSource.query(`SELECT count(*) AS n FROM device_credential`))[0].n);

  it.each([
    ['an unregistered device', 'NOBODY-7', {}, 404],
    ['an expiry in the past', null, { expiresAt: '2020-01-01T00:00:00Z' }, 400],
    ['an expiry that is not a timestamp', null, { expiresAt: 'tomorrow' }, 400],
    ['an unknown field', null, { scope: 'all' }, 400],
    ['an id breaking the id rule', 'a%20b', {}, 400],
  ])('%s', async (_case, id, body, status) => {
    const target = id ?? (await device('meter'));
    const before = await count();
    const res = await issue(target, body).expect(status);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(await count()).toBe(before);
  });

  it('revoking with an id that is not a UUID is a 400, an unknown one a 404', async () => {
    const id = await device('meter');
    await asAdmin.delete(`/v1/devices/${id}/credentials/not-a-uuid`).expect(400);
    await asAdmin.delete(`/v1/devices/${id}/credentials/00000000-0000-4000-8000-000000000000`).expect(404);
  });
});

it('a device retired while a credential is being issued leaves no live credential behind', async () => {
  for (let round = 0; round < 10; round++) {
    const id = await device('meter');
    const [issued] = await Promise.all([issue(id), asAdmin.delete(`/v1/devices/${id}`)]);
    const live = await t.db.dataSource.query(
      `SELECT count(*)::int AS n FROM device_credential WHERE device_id = $1 AND revoked_at IS NULL`,
      [id],
    );
    expect([issued.status, live[0].n]).toEqual([issued.status === 201 ? 201 : 409, 0]);
  }
});
