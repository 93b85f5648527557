import type { QueryRunner } from 'typeorm';
import { OneVehiclePerMeter1764410000000 } from '../../migrations/1764410000000-OneVehiclePerMeter';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/test-database';

/**
 * The migration run again, inside a transaction that is rolled back, over sessions stored while the
 * rule did not exist yet.
 */
let db: IsolatedDatabase;
beforeAll(async () => {
  db = await createIsolatedDatabase();
});
afterAll(() => db.drop());

const migration = new OneVehiclePerMeter1764410000000();

async function beforeTheRule(run: (runner: QueryRunner) => Promise<void>): Promise<void> {
  const runner = db.dataSource.createQueryRunner();
  await runner.startTransaction();
  try {
    await migration.down(runner);
    await run(runner);
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}

const FIRST = '00000000-0000-4000-8000-000000000001';
const SECOND = '00000000-0000-4000-8000-000000000002';

describe('migration OneVehiclePerMeter', () => {
  it('stops, naming the meter and both sessions, when stored sessions of two vehicles overlap on a meter', async () => {
    await beforeTheRule(async (runner) => {
      await runner.query(`
        INSERT INTO charging_session (id, vehicle_id, meter_id, started_at, ended_at) VALUES
          ('${FIRST}', 'MIG-V1', 'MIG-M', '2026-03-01T08:00Z', '2026-03-01T10:00Z'),
          ('${SECOND}', 'MIG-V2', 'MIG-M', '2026-03-01T09:00Z', NULL)`);
      await expect(migration.up(runner)).rejects.toThrow(
        `1 pair(s) of charging sessions overlap on the same meter, which the rule "one meter feeds one vehicle at a time" ` +
          `refuses (first 1: meter MIG-M: ${FIRST} and ${SECOND}). ` +
          'End or delete one session of each pair, then run the migrations again.',
      );
    });
  });

  it('adds the rule over sessions that follow each other on a meter', async () => {
    await beforeTheRule(async (runner) => {
      await runner.query(`
        INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at) VALUES
          ('MIG-V1', 'MIG-M', '2026-03-01T08:00Z', '2026-03-01T10:00Z'),
          ('MIG-V2', 'MIG-M', '2026-03-01T10:00Z', NULL),
          ('MIG-V3', 'MIG-N', '2026-03-01T09:00Z', NULL)`);
      await migration.up(runner);
      const [{ n }] = await runner.query(
        `SELECT count(*)::int AS n FROM pg_constraint WHERE conname = 'charging_session_meter_no_overlap'`,
      );
      expect(n).toBe(1);
    });
  });
});
