import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { chargingSession, meterReading, vehicleReading } from '../support/factories';
import { historyRows, liveRow } from '../support/rows';
import { isTransientDatabaseError } from '../../src/db/db-errors';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/**
 * Makes the next `times` statements inserting into `table` fail in PostgreSQL with `sqlstate`, as a
 * lost deadlock or a lock timeout would. The attempt counter is a sequence, which a rollback does not
 * undo, so it counts every attempt.
 */
async function failNextInserts(table: string, times: number, sqlstate: string) {
  const query = (sql: string) => t.db.dataSource.query(sql);
  await query(`CREATE SEQUENCE test_attempts`);
  await query(`
    CREATE FUNCTION test_fail_first() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('test_attempts') <= TG_ARGV[0]::int THEN
        RAISE EXCEPTION 'injected by the test' USING ERRCODE = TG_ARGV[1];
      END IF;
      RETURN NULL;
    END $$`);
  await query(`CREATE TRIGGER test_fail_first BEFORE INSERT ON ${table} FOR EACH STATEMENT
               EXECUTE FUNCTION test_fail_first('${times}', '${sqlstate}')`);
  return {
    attempts: async () => Number((await t.db.dataSource.query(`SELECT last_value FROM test_attempts`))[0].last_value),
    remove: () =>
      query(`DROP TRIGGER test_fail_first ON ${table}; DROP FUNCTION test_fail_first(); DROP SEQUENCE test_attempts`),
  };
}

describe('a reading write that fails transiently', () => {
  it('is written again once: a single reading that lost a deadlock is stored and acknowledged 201', async () => {
    const injected = await failNextInserts('meter_live', 1, '40P01');
    try {
      const reading = meterReading();
      await request(t.app).post('/v1/ingestion/meter').send(reading).expect(201);
      expect(await injected.attempts()).toBe(2);
      expect(await historyRows(t.db.dataSource, 'meter', reading.meterId)).toHaveLength(1);
      expect(await liveRow(t.db.dataSource, 'meter', reading.meterId)).toMatchObject({ voltage: reading.voltage });
    } finally {
      await injected.remove();
    }
  });

  it('is written again once in a batch too: a lock timeout the first time stores the whole batch', async () => {
    const injected = await failNextInserts('vehicle_live', 1, '55P03');
    try {
      const [vehicle, meter] = [vehicleReading(), meterReading()];
      const res = await request(t.app).post('/v1/ingestion/batch').send([vehicle, meter]).expect(201);
      expect(res.body).toMatchObject({ stored: 2, duplicates: 0 });
      expect(await injected.attempts()).toBe(2);
      expect(await historyRows(t.db.dataSource, 'vehicle', vehicle.vehicleId)).toHaveLength(1);
      expect(await historyRows(t.db.dataSource, 'meter', meter.meterId)).toHaveLength(1);
    } finally {
      await injected.remove();
    }
  });

  it('is written a third time after two transient failures in a row, and stored once', async () => {
    const injected = await failNextInserts('meter_live', 2, '40P01');
    try {
      const reading = meterReading();
      await request(t.app).post('/v1/ingestion/meter').send(reading).expect(201);
      expect(await injected.attempts()).toBe(3);
      expect(await historyRows(t.db.dataSource, 'meter', reading.meterId)).toHaveLength(1);
    } finally {
      await injected.remove();
    }
  });

  it('failing the third time too, answers 503 with Retry-After as a problem, and stores nothing', async () => {
    const injected = await failNextInserts('meter_live', 3, '40P01');
    try {
      const reading = meterReading();
      const res = await request(t.app).post('/v1/ingestion/meter').send(reading).expect(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(res.body).toMatchObject({
        type: '/problems/service-unavailable',
        status: 503,
        instance: '/v1/ingestion/meter',
      });
      expect(res.body.detail).not.toMatch(/injected|deadlock/);
      expect(await injected.attempts()).toBe(3);
      expect(await historyRows(t.db.dataSource, 'meter', reading.meterId)).toHaveLength(0);
    } finally {
      await injected.remove();
    }
  });
});

describe('a write that is not idempotent', () => {
  it('is not run again: a charging session that lost a deadlock answers 503 after one attempt', async () => {
    const injected = await failNextInserts('charging_session', 1, '40P01');
    try {
      const res = await request(t.app).post('/v1/charging-sessions').send(chargingSession()).expect(503);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(res.body).toMatchObject({ type: '/problems/service-unavailable', status: 503 });
      expect(await injected.attempts()).toBe(1);
    } finally {
      await injected.remove();
    }
  });
});

describe('rows PostgreSQL refuses, as the driver reports them', () => {
  const refusal = (sql: string) =>
    t.db.dataSource.query(sql).then(
      () => undefined,
      (error: unknown) => error,
    );

  it('a row outside its partition bound is transient: it only happens while a partition is being attached', async () => {
    // The error a reading meets when it was routed to the default partition just before the
    // partition covering it was attached; here the row is written into the wrong partition directly.
    await t.db.dataSource.query(
      `CREATE TABLE meter_history_p20300101 PARTITION OF meter_history FOR VALUES FROM ('2030-01-01') TO ('2030-02-01')`,
    );
    const error = await refusal(
      `INSERT INTO meter_history_default (meter_id, ts, kwh_consumed_ac, voltage) VALUES ('M', '2030-01-05', 1, 230)`,
    );
    expect(error).toMatchObject({ code: '23514' });
    expect(isTransientDatabaseError(error)).toBe(true);
  });

  it('a row breaking a CHECK constraint is not: the same row would break it again', async () => {
    const error = await refusal(
      `INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at) VALUES ('V', 'M', now(), now() - interval '1 hour')`,
    );
    expect(error).toMatchObject({ code: '23514' });
    expect(isTransientDatabaseError(error)).toBe(false);
  });
});
