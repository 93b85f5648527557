import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { meterReading, minutesAgo, vehicleReading } from '../support/factories';
import { historyRows, liveRow } from '../support/rows';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('POST /v1/ingestion/meter', () => {
  it('stores a new reading in history and live and answers 201', async () => {
    const body = meterReading({ kwhConsumedAc: 150.5, voltage: 240, timestamp: '2026-02-09T10:00:00+01:00' });
    const res = await request(t.app).post('/v1/ingestion/meter').send(body).expect(201);
    expect(res.body).toEqual({
      type: 'meter',
      id: body.meterId,
      timestamp: '2026-02-09T09:00:00.000Z',
      duplicate: false,
    });

    const history = await historyRows(t.db.dataSource, 'meter', body.meterId);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ kwh_consumed_ac: 150.5, voltage: 240 });
    expect(history[0].ts.toISOString()).toBe('2026-02-09T09:00:00.000Z');
    expect(await liveRow(t.db.dataSource, 'meter', body.meterId)).toMatchObject({
      kwh_consumed_ac: 150.5,
      voltage: 240,
    });
  });

  it('when a reading repeats, history keeps the first row and the answer is 200 duplicate', async () => {
    const first = meterReading({ kwhConsumedAc: 1 });
    await request(t.app).post('/v1/ingestion/meter').send(first).expect(201);
    const retry = await request(t.app)
      .post('/v1/ingestion/meter')
      .send({ ...first, kwhConsumedAc: 99 })
      .expect(200);
    expect(retry.body).toMatchObject({ duplicate: true, id: first.meterId });

    const history = await historyRows(t.db.dataSource, 'meter', first.meterId);
    expect(history.map((row: { kwh_consumed_ac: number }) => row.kwh_consumed_ac)).toEqual([1]);
    expect((await liveRow(t.db.dataSource, 'meter', first.meterId)).kwh_consumed_ac).toBe(1);
  });

  it('a late reading goes to history but leaves the newer live row alone', async () => {
    const newer = meterReading({ timestamp: minutesAgo(5), kwhConsumedAc: 2 });
    const older = { ...newer, timestamp: minutesAgo(30), kwhConsumedAc: 7 };
    await request(t.app).post('/v1/ingestion/meter').send(newer).expect(201);
    await request(t.app).post('/v1/ingestion/meter').send(older).expect(201);

    expect(await historyRows(t.db.dataSource, 'meter', newer.meterId)).toHaveLength(2);
    const live = await liveRow(t.db.dataSource, 'meter', newer.meterId);
    expect(live.ts.toISOString()).toBe(newer.timestamp);
    expect(live.kwh_consumed_ac).toBe(2);
  });

  it('a committed reading is visible to other connections as soon as it is acknowledged', async () => {
    const body = meterReading();
    await request(t.app).post('/v1/ingestion/meter').send(body).expect(201);
    const other = t.db.dataSource.createQueryRunner();
    try {
      const rows = await other.query('SELECT 1 FROM meter_history WHERE meter_id = $1', [body.meterId]);
      expect(rows).toHaveLength(1);
    } finally {
      await other.release();
    }
  });
});

describe('POST /v1/ingestion/vehicle', () => {
  it('stores a vehicle reading and the live row reads back through GET /v1/vehicles/:id', async () => {
    const body = vehicleReading({ soc: 85.5, kwhDeliveredDc: 45.2, batteryTemp: 28.5 });
    const res = await request(t.app).post('/v1/ingestion/vehicle').send(body).expect(201);
    expect(res.body).toMatchObject({ type: 'vehicle', id: body.vehicleId, duplicate: false });

    const live = await request(t.app).get(`/v1/vehicles/${body.vehicleId}`).expect(200);
    expect(live.body).toEqual({
      vehicleId: body.vehicleId,
      soc: 85.5,
      kwhDeliveredDc: 45.2,
      batteryTemp: 28.5,
      timestamp: body.timestamp,
      updatedAt: expect.any(String),
    });
  });

  it('refuses a meter reading sent to the vehicle endpoint', async () => {
    const body = meterReading();
    const res = await request(t.app).post('/v1/ingestion/vehicle').send(body).expect(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['meterId', 'vehicleId', 'soc']),
    );
    expect(await historyRows(t.db.dataSource, 'meter', body.meterId)).toHaveLength(0);
  });
});

describe('POST /v1/ingestion/telemetry', () => {
  it('tells a meter reading from a vehicle reading by its id key', async () => {
    const meter = meterReading();
    const vehicle = vehicleReading();
    expect((await request(t.app).post('/v1/ingestion/telemetry').send(meter).expect(201)).body.type).toBe('meter');
    expect((await request(t.app).post('/v1/ingestion/telemetry').send(vehicle).expect(201)).body.type).toBe('vehicle');
    expect(await historyRows(t.db.dataSource, 'meter', meter.meterId)).toHaveLength(1);
    expect(await historyRows(t.db.dataSource, 'vehicle', vehicle.vehicleId)).toHaveLength(1);
  });

  it.each([
    ['both ids', { ...meterReading(), vehicleId: 'V-1' }],
    ['neither id', { kwhConsumedAc: 1, voltage: 230, timestamp: minutesAgo(1) }],
  ])('answers 400 for a reading with %s', async (_label, body) => {
    const res = await request(t.app).post('/v1/ingestion/telemetry').send(body).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors).toEqual([{ path: '', message: expect.stringMatching(/meterId|vehicleId/) }]);
  });
});
