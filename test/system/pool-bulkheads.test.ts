import request from 'supertest';
import type { QueryRunner } from 'typeorm';
import { chargingSession, meterReading } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
const held: QueryRunner[] = [];

beforeAll(async () => {
  t = await createTestApp({
    READ_POOL_MAX: '1',
    EXPORT_MAX_CONCURRENT: '1',
    STREAM_POOL_MAX: '2',
    MAINTENANCE_POOL_MAX: '1',
  });
});

afterAll(async () => {
  await Promise.all(held.map((runner) => runner.release()));
  await t.close();
});

/** Takes every connection of the reader pools, as stalled dashboards, exports and upkeep would. */
async function exhaustReaderPools(): Promise<void> {
  const { reads, exports, stream, maintenance } = t.services.pools;
  for (const pool of [reads, exports, stream, stream, maintenance]) {
    const runner = pool.createQueryRunner();
    await runner.connect();
    held.push(runner);
  }
}

describe('pools per kind of work', () => {
  it('each pool connects as its own application, so an operator can tell them apart in pg_stat_activity', async () => {
    await exhaustReaderPools();
    const rows: Array<{ name: string }> = await t.db.dataSource.query(
      `SELECT DISTINCT application_name AS name FROM pg_stat_activity WHERE datname = current_database() ORDER BY 1`,
    );
    expect(rows.map((row) => row.name)).toEqual(
      expect.arrayContaining([
        'fleet-platform',
        'fleet-platform-exports',
        'fleet-platform-maintenance',
        'fleet-platform-reads',
        'fleet-platform-stream',
      ]),
    );
  });

  it('with every reader pool taken, readings and sessions are still stored and readers are answered 503 with Retry-After', async () => {
    const reading = meterReading();
    await request(t.app).post('/v1/ingestion/meter').send(reading).expect(201);
    await request(t.app).post('/v1/ingestion/batch').send([meterReading(), meterReading()]).expect(201);
    await request(t.app).get('/readyz').expect(200);

    const refused = await request(t.app).get(`/v1/meters/${reading.meterId}`).expect(503);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.body).toMatchObject({ status: 503, type: '/problems/service-unavailable' });
    await request(t.app).get(`/v1/analytics/fleet/efficiency`).expect(503);
    const session = chargingSession({ meterId: reading.meterId });
    await request(t.app).post('/v1/charging-sessions').send(session).expect(201);
    await request(t.app).get('/v1/charging-sessions').query({ vehicleId: session.vehicleId }).expect(503);

    const [{ stored }] = await t.db.dataSource.query(
      `SELECT count(*)::int AS stored FROM meter_history WHERE meter_id = $1`,
      [reading.meterId],
    );
    expect(stored).toBe(1);
  });

  it('readers are served again as soon as their pool has a connection to give', async () => {
    const reading = meterReading();
    await request(t.app).post('/v1/ingestion/meter').send(reading).expect(201);
    await Promise.all(held.splice(0).map((runner) => runner.release()));
    const res = await request(t.app).get(`/v1/meters/${reading.meterId}`).expect(200);
    expect(res.body).toMatchObject({ meterId: reading.meterId, kwhConsumedAc: reading.kwhConsumedAc });
  });
});
