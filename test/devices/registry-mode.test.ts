import request from 'supertest';
import { meterReading, uniqueId, vehicleReading } from '../support/factories';
import { testAppsClosedAfterAll } from '../support/test-app';

const app = testAppsClosedAfterAll();

const register = (t: { app: Parameters<typeof request>[0] }, id: string, kind: 'meter' | 'vehicle') =>
  request(t.app).post('/v1/devices').send({ id, kind }).expect(201);
const history = async (t: Awaited<ReturnType<typeof app>>, id: string) =>
  Number((await t.db.dataSource.query(`SELECT count(*) AS n FROM meter_history WHERE meter_id = $1`, [id]))[0].n);

describe('DEVICE_REGISTRY', () => {
  it('open (the default) takes readings of devices nobody registered', async () => {
    const t = await app();
    const meterId = uniqueId('MTR');
    await request(t.app).post('/v1/ingestion/meter').send(meterReading({ meterId })).expect(201);
    expect(await history(t, meterId)).toBe(1);
  });

  it('required takes registered devices only, of the kind registered: a 403 naming the device, nothing stored', async () => {
    const t = await app({ DEVICE_REGISTRY: 'required' });
    const [known, unknown] = [uniqueId('MTR'), uniqueId('MTR')];
    await register(t, known, 'meter');
    await request(t.app)
      .post('/v1/ingestion/meter')
      .send(meterReading({ meterId: known }))
      .expect(201);
    const refused = await request(t.app)
      .post('/v1/ingestion/meter')
      .send(meterReading({ meterId: unknown }))
      .expect(403);
    expect(refused.body.detail).toContain(`meter ${unknown} is not registered`);
    await request(t.app)
      .post('/v1/ingestion/vehicle')
      .send(vehicleReading({ vehicleId: known }))
      .expect(403);
    const batch = await request(t.app)
      .post('/v1/ingestion/batch')
      .send([meterReading({ meterId: unknown }), meterReading({ meterId: known })])
      .expect(207);
    expect(batch.body.errors).toEqual([{ index: 0, errors: [expect.objectContaining({ path: 'meterId' })] }]);
    expect([await history(t, known), await history(t, unknown)]).toEqual([2, 0]);
    expect((await request(t.app).get('/metrics').expect(200)).text).toMatch(
      /^fleet_auth_refused_total\{reason="unregistered"\} 3$/m,
    );
  });

  it('in either mode, a decommissioned device’s readings are refused until it is reinstated', async () => {
    const t = await app();
    const meterId = uniqueId('MTR');
    await register(t, meterId, 'meter');
    await request(t.app).patch(`/v1/devices/${meterId}`).send({ state: 'decommissioned' }).expect(200);
    const refused = await request(t.app).post('/v1/ingestion/meter').send(meterReading({ meterId })).expect(403);
    expect(refused.body.detail).toContain('decommissioned');
    await request(t.app).patch(`/v1/devices/${meterId}`).send({ state: 'active' }).expect(200);
    await request(t.app).post('/v1/ingestion/meter').send(meterReading({ meterId })).expect(201);
    expect(await history(t, meterId)).toBe(1);
  });
});
