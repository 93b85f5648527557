import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { meterReading } from '../support/factories';
import { startService, type ServiceProcess } from '../support/service-process';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * Two replicas on one database: this one in the test process, another as its own service process.
 * A key revoked through one must stop working on the other within a second, the default
 * AUTH_KEY_CACHE_MS (500 ms) and one check of the access version.
 */
let t: TestApp;
let other: ServiceProcess;
let admin: { id: string; key: string };
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.services.auth.create('ops', 'admin');
  other = await startService(t.db, {});
}, 120_000);
afterAll(async () => {
  other?.kill();
  await t.close();
});

const onOther = (key: string) =>
  fetch(`${other.url}/v1/meters`, { headers: { authorization: `Bearer ${key}` } }).then((res) => res.status);
const accessVersion = async () =>
  Number((await t.db.dataSource.query(`SELECT version FROM access_version`))[0].version);

it('a key revoked on one replica is refused by the other a second later; the keys left keep working', async () => {
  const dashboard = await t.services.auth.create('wall screen', 'read');
  await sleep(1_000);
  expect(await onOther(dashboard.key)).toBe(200);

  await request(t.app).delete(`/v1/api-keys/${dashboard.id}`).set('X-API-Key', admin.key).expect(200);
  await request(t.app).get('/v1/meters').set('X-API-Key', dashboard.key).expect(401);
  await sleep(1_000);
  expect(await onOther(dashboard.key)).toBe(401);
  expect(await onOther(admin.key)).toBe(200);
});

it('every statement that changes keys or devices’ access moves the access version once; one that changes nothing (or only labels) does not', async () => {
  const before = await accessVersion();
  const gateway = await t.services.auth.create('depot gateway', 'ingest');
  expect(await accessVersion()).toBe(before + 1);
  await t.services.devices.register({ id: 'MTR-VERSION-1', kind: 'meter', label: null });
  await t.services.devices.register({ id: 'MTR-VERSION-2', kind: 'meter', label: null });
  expect(await accessVersion()).toBe(before + 3);
  await t.db.dataSource.query(`UPDATE device SET decommissioned_at = now() WHERE id LIKE 'MTR-VERSION-%'`);
  expect(await accessVersion()).toBe(before + 4);
  // A label decides nothing about access: renaming moves nothing, and makes no process reload.
  await t.db.dataSource.query(`UPDATE device SET label = 'renamed' WHERE id LIKE 'MTR-VERSION-%'`);
  expect(await accessVersion()).toBe(before + 4);

  // Refused requests: a duplicate device, an unknown device, an unknown key, a key revoked twice.
  await request(t.app)
    .post('/v1/devices')
    .set('X-API-Key', admin.key)
    .send({ id: 'MTR-VERSION-1', kind: 'meter' })
    .expect(409);
  await request(t.app).patch('/v1/devices/NOBODY-9').set('X-API-Key', admin.key).send({ label: 'x' }).expect(404);
  await t.services.auth.revoke(gateway.id);
  const revoked = await accessVersion();
  await t.services.auth.revoke(gateway.id);
  await expect(t.services.auth.revoke('00000000-0000-4000-8000-000000000000')).rejects.toThrow(/No API key/);
  await t.db.dataSource.query(`DELETE FROM device WHERE id = 'NOBODY-9'`);
  expect(await accessVersion()).toBe(revoked);
});

it('a device credential revoked on one replica is refused by the other a second later', async () => {
  const meterId = `MTR-REPLICA-${process.pid}`;
  await request(t.app).post('/v1/devices').set('X-API-Key', admin.key).send({ id: meterId, kind: 'meter' }).expect(201);
  const issued = await request(t.app)
    .post(`/v1/devices/${meterId}/credentials`)
    .set('X-API-Key', admin.key)
    .send({})
    .expect(201);
  const write = () =>
    fetch(`${other.url}/v1/ingestion/meter`, {
      method: 'POST',
      headers: { authorization: `Bearer ${issued.body.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(meterReading({ meterId })),
    }).then((res) => res.status);
  await sleep(1_000);
  expect(await write()).toBe(201);

  await request(t.app)
    .delete(`/v1/devices/${meterId}/credentials/${issued.body.id}`)
    .set('X-API-Key', admin.key)
    .expect(200);
  await sleep(1_000);
  expect(await write()).toBe(401);
});

const writeOnOther = (credential: string, body: object, path = '/v1/ingestion/meter') =>
  fetch(`${other.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then((res) => res.status);
const register = (id: string) =>
  request(t.app).post('/v1/devices').set('X-API-Key', admin.key).send({ id, kind: 'meter' }).expect(201);

it('on the other replica, a gateway key writes its devices and not others, and stops writing for one retired here', async () => {
  const [mine, retiring, theirs] = ['GW-A', 'GW-B', 'GW-C'].map((name) => `MTR-${name}-${process.pid}`);
  for (const id of [mine, retiring, theirs]) await register(id);
  const { key } = await t.services.auth.create('depot 4', 'ingest', [mine, retiring]);
  await sleep(1_000);
  expect(await writeOnOther(key, meterReading({ meterId: mine }))).toBe(201);
  expect(await writeOnOther(key, meterReading({ meterId: retiring }))).toBe(201);
  expect(await writeOnOther(key, meterReading({ meterId: theirs }))).toBe(403);

  await request(t.app)
    .patch(`/v1/devices/${retiring}`)
    .set('X-API-Key', admin.key)
    .send({ state: 'decommissioned' })
    .expect(200);
  await sleep(1_000);
  expect(await writeOnOther(key, meterReading({ meterId: retiring }))).toBe(403);
  expect(await writeOnOther(key, meterReading({ meterId: mine }))).toBe(201);
  const stored = await t.db.dataSource.query(`SELECT meter_id FROM meter_history WHERE meter_id = ANY($1)`, [
    [mine, retiring, theirs],
  ]);
  expect(stored.map((row: { meter_id: string }) => row.meter_id).sort()).toEqual([mine, mine, retiring].sort());
});

it('a credential past its expiresAt is refused by both replicas, with no revocation needed', async () => {
  const meterId = `MTR-EXPIRY-${process.pid}`;
  await register(meterId);
  const expiresAt = new Date(Date.now() + 2_000);
  const { token } = await t.services.auth.issueCredential(meterId, expiresAt);
  await sleep(1_000);
  expect(await writeOnOther(token, meterReading({ meterId }))).toBe(201);
  await sleep(Math.max(0, expiresAt.getTime() - Date.now()) + 50);
  expect(await writeOnOther(token, meterReading({ meterId }))).toBe(401);
  await request(t.app)
    .post('/v1/ingestion/meter')
    .set('Authorization', `Bearer ${token}`)
    .send(meterReading({ meterId }))
    .expect(401);
});
