import request from 'supertest';
import { chargingSession, meterReading, uniqueId, vehicleReading } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';
import { validatorAt } from '../support/document-schemas';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const BASE = Date.parse('2026-11-20T10:00:00Z');
const at = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();
const micro = (kwh: number) => Math.round(kwh * 1_000_000);
const window = { from: at(0), to: at(180) };

async function ingest(readings: object[]): Promise<void> {
  await request(t.app).post('/v1/ingestion/batch').send(readings).expect(201);
}

/** Every page of an export, following the cursors. */
async function allPages(path: string, query: Record<string, string | number>) {
  const pages: Array<{ readings: Array<Record<string, unknown>>; nextCursor: string | null }> = [];
  let cursor: string | undefined;
  do {
    const res = await request(t.app)
      .get(path)
      .query({ ...query, ...(cursor && { cursor }) })
      .expect(200);
    pages.push(res.body);
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  return pages;
}

describe('GET /v1/vehicles/:vehicleId/readings and /v1/meters/:meterId/readings as JSON', () => {
  const vehicleId = uniqueId('VEH');
  const meterId = uniqueId('MTR');
  // Every 7 minutes from `from` to past `to`: one reading exactly at each end of the window.
  const minutes = Array.from({ length: 30 }, (_, i) => i * 7 - 7).concat([180]);

  beforeAll(async () => {
    await ingest(
      minutes.flatMap((m, i) => [
        vehicleReading({ vehicleId, timestamp: at(m), kwhDeliveredDc: 0.1 * (i + 1) + 0.000003, soc: 20 + i / 3 }),
        meterReading({ meterId, timestamp: at(m), kwhConsumedAc: 1.1 * (i + 1), voltage: 229.9 + i / 7 }),
      ]),
    );
    await request(t.app)
      .post('/v1/charging-sessions')
      .send(chargingSession({ vehicleId, meterId, startedAt: at(30), endedAt: at(120) }))
      .expect(201);
  });

  it('pages through (from, to] oldest first, in the shape readings are posted (with no register), without gaps or repeats', async () => {
    const pages = await allPages(`/v1/vehicles/${vehicleId}/readings`, { ...window, limit: 4 });
    const readings = pages.flatMap((page) => page.readings);
    const expected = minutes.filter((m) => m > 0 && m <= 180).map(at);
    expect(readings.map((r) => Date.parse(String(r.timestamp)))).toEqual(expected.map((ts) => Date.parse(ts)));
    expect(pages).toHaveLength(Math.ceil(expected.length / 4));
    expect(pages.at(-1)?.nextCursor).toBeNull();
    expect(readings[0]).toEqual({
      vehicleId,
      timestamp: at(7).replace('Z', '000Z'),
      soc: 20 + 2 / 3,
      kwhDeliveredDc: 0.1 * 3 + 0.000003,
      kwhRegisterDc: null,
      registerEvent: null,
      batteryTemp: 27.5,
    });
  });

  it('keeps the first page window on later pages, so readings arriving meanwhile after it do not slide in', async () => {
    const id = uniqueId('VEH');
    await ingest([1, 2, 3].map((m) => vehicleReading({ vehicleId: id, timestamp: at(m) })));
    const first = await request(t.app)
      .get(`/v1/vehicles/${id}/readings`)
      .query({ from: at(0), limit: 2 })
      .expect(200);
    await ingest([vehicleReading({ vehicleId: id, timestamp: new Date(Date.now() + 60_000).toISOString() })]);
    const second = await request(t.app)
      .get(`/v1/vehicles/${id}/readings`)
      .query({ from: at(0), limit: 2, cursor: first.body.nextCursor })
      .expect(200);
    expect(second.body.periodEnd).toBe(first.body.periodEnd);
    expect(second.body.readings.map((r: { timestamp: string }) => Date.parse(r.timestamp))).toEqual([
      Date.parse(at(3)),
    ]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('sums to the analytics totals over the same window: DC in and outside sessions, and the meter AC', async () => {
    const dc = (await allPages(`/v1/vehicles/${vehicleId}/readings`, { ...window, limit: 5 }))
      .flatMap((page) => page.readings)
      .reduce((sum, r) => sum + micro(Number(r.kwhDeliveredDc)), 0);
    const ac = (await allPages(`/v1/meters/${meterId}/readings`, { ...window, limit: 5 }))
      .flatMap((page) => page.readings)
      .reduce((sum, r) => sum + micro(Number(r.kwhConsumedAc)), 0);
    const bySessions = await request(t.app).get(`/v1/analytics/performance/${vehicleId}`).query(window).expect(200);
    expect(dc).toBe(micro(bySessions.body.totalKwhDeliveredDc) + micro(bySessions.body.kwhDeliveredDcOutsideSessions));
    const byMeter = await request(t.app)
      .get(`/v1/analytics/performance/${vehicleId}`)
      .query({ ...window, meterId })
      .expect(200);
    expect(ac).toBe(micro(byMeter.body.totalKwhConsumedAc));
    expect(dc).toBe(micro(byMeter.body.totalKwhDeliveredDc));
  });

  it('answers an empty page for a known device with nothing in the window, and 404 for one never seen', async () => {
    const empty = await request(t.app)
      .get(`/v1/meters/${meterId}/readings`)
      .query({ from: at(-600), to: at(-300) })
      .expect(200);
    expect(empty.body).toEqual({
      meterId,
      periodStart: at(-600),
      periodEnd: at(-300),
      readings: [],
      nextCursor: null,
    });
    const never = await request(t.app)
      .get(`/v1/vehicles/${uniqueId('NEVER')}/readings`)
      .query(window)
      .expect(404);
    expect(never.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(never.body).toMatchObject({ type: '/problems/not-found', status: 404 });
  });

  it('answers as the OpenAPI document says', async () => {
    for (const [path, documented] of [
      [`/v1/vehicles/${vehicleId}/readings`, '/v1/vehicles/{vehicleId}/readings'],
      [`/v1/meters/${meterId}/readings`, '/v1/meters/{meterId}/readings'],
    ]) {
      const res = await request(t.app).get(path).query({ from: window.from, limit: 3 }).expect(200);
      expect(res.headers.vary).toMatch(/Accept/);
      const validate = validatorAt(
        'paths',
        documented,
        'get',
        'responses',
        '200',
        'content',
        'application/json',
        'schema',
      );
      expect({ valid: validate(res.body), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
    }
  });
});
