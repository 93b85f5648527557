import { PartitionRepository } from '../../src/partitions/partition.repository';
import { PartitionService } from '../../src/partitions/partition.service';
import { createTestApp, type TestApp } from '../support/test-app';
import { uniqueId } from '../support/factories';
import { maintenanceAt, MONTHLY, partitionNames } from '../support/partitions';
import { expectRollupsExact } from '../support/rollups';
import { testConfig } from '../support/test-database';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const RETAIN_13_MONTHS = { ahead: 1, retention: { count: 13, unit: 'month' } } as const;

it('before listening, only the partitions ahead are made; drops and expiry wait for the run on the timer', async () => {
  const db = t.db.dataSource;
  const meterId = uniqueId('MTR');
  await maintenanceAt(db, '2023-01-15T00:00:00Z', { ahead: 1 }).maintain();
  // A backfill before the first partition, in the default partition, expired by June 2024.
  await db.query(
    `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage)
     SELECT $1, ts, 0.01, 230 FROM generate_series('2022-05-01T00:00:00Z'::timestamptz, '2022-05-01T02:00:00Z', interval '10 minutes') AS ts`,
    [meterId],
  );
  await t.services.rollups.seal();
  const expiredCount = `SELECT count(*)::int AS readings FROM meter_history_default WHERE meter_id = $1`;
  const service = maintenanceAt(db, '2024-06-01T00:00:00Z', RETAIN_13_MONTHS);

  const [prepared] = await service.prepare();

  expect(prepared).toMatchObject({ dropped: [], created: ['meter_history_p20240601', 'meter_history_p20240701'] });
  expect(prepared).not.toHaveProperty('expiry');
  expect(await db.query(expiredCount, [meterId])).toEqual([{ readings: 13 }]);
  expect(await partitionNames(db, 'meter_history')).toEqual([
    'meter_history_p20230101',
    'meter_history_p20230201',
    'meter_history_p20240601',
    'meter_history_p20240701',
    'meter_history_default',
  ]);

  const [maintained] = await service.maintain();

  expect(maintained).toMatchObject({
    created: [],
    dropped: ['meter_history_p20230101', 'meter_history_p20230201'],
    expiry: { expired: 13, complete: true },
  });
  expect(await db.query(expiredCount, [meterId])).toEqual([{ readings: 0 }]);
  await expectRollupsExact(db);
});

it('told to stop, returns after the expiry batch in progress, its report not complete; the next run expires the rest', async () => {
  const db = t.db.dataSource;
  const meterId = uniqueId('MTR');
  // Two days a reading every 10 s: several batches, before every partition.
  await db.query(
    `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage)
     SELECT $1, ts, 0.01, 230 FROM generate_series('2021-03-01T00:00:10Z'::timestamptz, '2021-03-03T00:00:00Z', interval '10 seconds') AS ts`,
    [meterId],
  );
  await t.services.rollups.seal();
  const repository = new PartitionRepository(db, testConfig().db.lockTimeoutMs);
  const stopping = new AbortController();
  const expire = repository.retention.expire.bind(repository.retention);
  // The service told to stop while the first batch is being removed.
  repository.retention.expire = (...batch) => {
    stopping.abort();
    return expire(...batch);
  };
  const service = new PartitionService(
    repository,
    { interval: MONTHLY, ...RETAIN_13_MONTHS },
    () => new Date('2024-06-01T00:00:00Z'),
  );
  const left = `SELECT count(*)::int AS readings FROM meter_history_default WHERE meter_id = $1`;

  const [stopped] = await service.maintain(stopping.signal);

  expect(stopped).toMatchObject({ expiry: { complete: false, recounted: 0 } });
  const expired = stopped.skipped ? 0 : (stopped.expiry?.expired ?? 0);
  expect(expired).toBeGreaterThan(0);
  expect(await db.query(left, [meterId])).toEqual([{ readings: 17_280 - expired }]);
  await expectRollupsExact(db);

  const [finished] = await service.maintain();
  expect(finished).toMatchObject({ expiry: { expired: 17_280 - expired, complete: true } });
  expect(await db.query(left, [meterId])).toEqual([{ readings: 0 }]);
  await expectRollupsExact(db);
});
