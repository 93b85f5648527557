import request from 'supertest';
import { createApp } from '../../src/app';
import { meterReading } from '../support/factories';
import { captureLogs } from '../support/log-capture';
import { createTestApp, type TestApp } from '../support/test-app';

/** The app over a test app's services, logging to lines the test reads. */
let t: TestApp;
let app: ReturnType<typeof createApp>;
let lines: string[];
beforeAll(async () => {
  t = await createTestApp();
  const captured = captureLogs('info');
  lines = captured.lines;
  app = createApp({ config: t.config, logger: captured.logger, services: t.services });
});
afterAll(() => t.close());

const refused = async () => {
  const text = (await request(app).get('/metrics').expect(200)).text;
  return Object.fromEntries(
    [...text.matchAll(/^fleet_auth_refused_total\{reason="([a-z-]+)"\} (\d+)$/gm)].map(([, reason, n]) => [
      reason,
      Number(n),
    ]),
  );
};

it('counts each refusal by its reason, and logs a role refusal with the key id, never a key', async () => {
  const read = await t.services.auth.create('wall screen', 'read');
  const revoked = await t.services.auth.create('old gateway', 'ingest');
  await t.services.auth.revoke(revoked.id);

  await request(app).post('/v1/ingestion/meter').send(meterReading()).expect(401);
  await request(app).post('/v1/ingestion/meter').set('Authorization', 'Basic abc').send(meterReading()).expect(401);
  await request(app).post('/v1/ingestion/meter').set('X-API-Key', revoked.key).send(meterReading()).expect(401);
  await request(app).post('/v1/ingestion/meter').set('X-API-Key', 'fp_guess').send(meterReading()).expect(401);
  await request(app).post('/v1/ingestion/meter').set('X-API-Key', read.key).send(meterReading()).expect(403);

  expect(await refused()).toEqual({ 'no-key': 1, 'malformed-header': 1, 'unknown-key': 2, role: 1 });
  const roleLines = lines.filter((line) => line.includes('request refused: role'));
  expect(roleLines).toHaveLength(1);
  expect(JSON.parse(roleLines[0])).toMatchObject({
    keyId: read.id,
    keyName: 'wall screen',
    role: 'read',
    needed: 'ingest',
  });
  for (const key of [read.key, revoked.key, 'fp_guess']) expect(lines.join('\n')).not.toContain(key);
});

it('logs no device token or gateway key, when issued, when writing, or when refused for its scope', async () => {
  const admin = await t.services.auth.create('ops', 'admin');
  const asAdmin = (req: request.Test) => req.set('Authorization', `Bearer ${admin.key}`);
  await asAdmin(request(app).post('/v1/devices')).send({ id: 'MTR-LOG-1', kind: 'meter' }).expect(201);
  const issued = await asAdmin(request(app).post('/v1/devices/MTR-LOG-1/credentials')).send({}).expect(201);
  const imported = await asAdmin(request(app).post('/v1/devices/import'))
    .send({ devices: [{ id: 'MTR-LOG-2', kind: 'meter' }] })
    .expect(200);
  const gateway = await asAdmin(request(app).post('/v1/api-keys'))
    .send({ name: 'depot 5', role: 'ingest', scope: 'devices', devices: ['MTR-LOG-1', 'MTR-LOG-2'] })
    .expect(201);
  const secrets: string[] = [issued.body.token, imported.body.devices[0].credential.token, gateway.body.key, admin.key];

  for (const secret of secrets.slice(0, 3)) {
    const writes = (meterId: string) =>
      request(app).post('/v1/ingestion/meter').set('Authorization', `Bearer ${secret}`).send(meterReading({ meterId }));
    await writes(secret === secrets[1] ? 'MTR-LOG-2' : 'MTR-LOG-1').expect(201);
    await writes('MTR-LOG-3').expect(403);
  }
  // The requests were logged, with their paths: what must not be there is the secrets.
  expect(lines.some((line) => line.includes('/v1/devices/import'))).toBe(true);
  for (const secret of secrets) expect(lines.join('\n')).not.toContain(secret.slice(4));
});
