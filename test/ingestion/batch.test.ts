import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { meterReading, minutesAgo, vehicleReading } from '../support/factories';
import { countAll, historyRows, liveRow } from '../support/rows';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ BATCH_MAX_ITEMS: '5' });
});
afterAll(() => t.close());

const post = (body: unknown) =>
  request(t.app)
    .post('/v1/ingestion/batch')
    .send(body as object);

describe('POST /v1/ingestion/batch', () => {
  it('stores a mixed batch and answers 201 with the counts', async () => {
    const [meter, vehicle] = [meterReading(), vehicleReading()];
    const res = await post([meter, vehicle, meterReading()]).expect(201);
    expect(res.body).toEqual({ received: 3, stored: 3, duplicates: 0, rejected: 0, errors: [] });
    expect(await historyRows(t.db.dataSource, 'vehicle', vehicle.vehicleId)).toHaveLength(1);
    expect(await liveRow(t.db.dataSource, 'meter', meter.meterId)).toMatchObject({
      meter_id: meter.meterId,
      ts: new Date(meter.timestamp),
      kwh_consumed_ac: meter.kwhConsumedAc,
      voltage: meter.voltage,
    });
  });

  it('a repeat inside one batch counts as a duplicate and history keeps one row', async () => {
    const reading = vehicleReading();
    const res = await post([reading, { ...reading, soc: 99 }]).expect(201);
    expect(res.body).toMatchObject({ received: 2, stored: 1, duplicates: 1 });
    const history = await historyRows(t.db.dataSource, 'vehicle', reading.vehicleId);
    expect(history.map((row: { soc: number }) => row.soc)).toEqual([reading.soc]);
  });

  it('resending a stored batch stores nothing and reports every reading as a duplicate', async () => {
    const batch = [meterReading(), vehicleReading()];
    await post(batch).expect(201);
    const res = await post(batch).expect(201);
    expect(res.body).toMatchObject({ received: 2, stored: 0, duplicates: 2 });
  });

  it('an older reading later in the same batch does not overwrite live', async () => {
    const newer = meterReading({ timestamp: minutesAgo(1), voltage: 231 });
    const older = { ...newer, timestamp: minutesAgo(20), voltage: 219 };
    await post([newer, older]).expect(201);
    expect(await historyRows(t.db.dataSource, 'meter', newer.meterId)).toHaveLength(2);
    expect((await liveRow(t.db.dataSource, 'meter', newer.meterId)).voltage).toBe(231);
  });

  it('the newest reading of a batch wins live whatever its position', async () => {
    const base = vehicleReading({ timestamp: minutesAgo(30), soc: 10 });
    const batch = [
      base,
      { ...base, timestamp: minutesAgo(2), soc: 30 },
      { ...base, timestamp: minutesAgo(15), soc: 20 },
    ];
    await post(batch).expect(201);
    expect((await liveRow(t.db.dataSource, 'vehicle', base.vehicleId)).soc).toBe(30);
  });

  it('stores the valid readings and answers 207 listing each rejected one by index', async () => {
    const good = meterReading();
    const res = await post([good, { ...vehicleReading(), soc: 140 }, { nonsense: true }]).expect(207);
    expect(res.body).toEqual({
      received: 3,
      stored: 1,
      duplicates: 0,
      rejected: 2,
      errors: [
        { index: 1, errors: [{ path: 'soc', message: expect.any(String) }] },
        { index: 2, errors: [{ path: '', message: expect.stringMatching(/meterId|vehicleId/) }] },
      ],
    });
    expect(await historyRows(t.db.dataSource, 'meter', good.meterId)).toHaveLength(1);
  });

  it.each([
    ['an object', meterReading()],
    ['an empty array', []],
    ['more readings than BATCH_MAX_ITEMS', Array.from({ length: 6 }, () => meterReading())],
    ['only invalid readings', [{ ...meterReading(), voltage: 'high' }, 7]],
  ])('answers 400 problem for %s and writes nothing', async (_label, body) => {
    const before = await countAll(t.db.dataSource);
    const res = await post(body).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.length).toBeGreaterThan(0);
    expect(await countAll(t.db.dataSource)).toBe(before);
  });

  it('names the index and field of each bad reading when none is valid', async () => {
    const res = await post([{ ...meterReading(), voltage: 'high' }, 7]).expect(400);
    expect(res.body.errors).toEqual([
      { path: '[0].voltage', message: expect.any(String) },
      { path: '[1]', message: expect.any(String) },
    ]);
  });
});
