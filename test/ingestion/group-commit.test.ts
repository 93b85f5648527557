import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { meterReading } from '../support/factories';
import { historyRows } from '../support/rows';

let t: TestApp;
beforeAll(async () => {
  // A wide window so that concurrent requests surely share a group.
  t = await createTestApp({ INGEST_GROUP_COMMIT_MS: '100', INGEST_GROUP_COMMIT_MAX: '50' });
});
afterAll(() => t.close());

describe('single readings under group commit', () => {
  it('two copies of one reading in the same group: the first is stored, the second is a duplicate', async () => {
    const body = meterReading();
    const [a, b] = await Promise.all([
      request(t.app).post('/v1/ingestion/meter').send(body),
      request(t.app).post('/v1/ingestion/meter').send(body),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(await historyRows(t.db.dataSource, 'meter', body.meterId)).toHaveLength(1);
  });

  it('a reading the database refuses fails alone; its group mates are stored and acknowledged', async () => {
    await t.db.dataSource.query('ALTER TABLE meter_live ADD CONSTRAINT test_low_voltage CHECK (voltage < 1000)');
    try {
      const good = [meterReading(), meterReading(), meterReading()];
      const bad = meterReading({ voltage: 1500 });
      const responses = await Promise.all(
        [good[0], bad, good[1], good[2]].map((body) => request(t.app).post('/v1/ingestion/meter').send(body)),
      );
      expect(responses.map((res) => res.status)).toEqual([201, 500, 201, 201]);
      for (const reading of good) {
        expect(await historyRows(t.db.dataSource, 'meter', reading.meterId)).toHaveLength(1);
      }
      expect(await historyRows(t.db.dataSource, 'meter', bad.meterId)).toHaveLength(0);
    } finally {
      await t.db.dataSource.query('ALTER TABLE meter_live DROP CONSTRAINT test_low_voltage');
    }
  });
});
