import { PARTITIONED_TABLES } from '../../src/partitions/partition.tables';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/test-database';
import { exitOf, waitForOutput } from '../support/spawn-ts';
import { startService, type ServiceProcess } from '../support/service-process';
import { partitionsOf } from '../support/partitions';

let db: IsolatedDatabase;
let service: ServiceProcess;

beforeAll(async () => {
  db = await createIsolatedDatabase();
  service = await startService(db, {
    LOG_LEVEL: 'debug',
    HISTORY_PARTITION_INTERVAL: '1 week',
    HISTORY_PARTITIONS_AHEAD: '2',
    PARTITION_MAINTENANCE_INTERVAL_MS: '1000',
  });
}, 120_000);

afterAll(async () => {
  service?.kill();
  await db.drop();
});

/** Monday 00:00 UTC of the week `weeks` after the current one. */
function monday(weeks: number): Date {
  const now = new Date();
  const sinceMonday = (now.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - sinceMonday + 7 * weeks));
}

it('before listening, the server has created this week’s partition and the next two of both history tables and their rollups', async () => {
  const expected = [0, 1, 2].map((weeks) => [monday(weeks).toISOString(), monday(weeks + 1).toISOString()]);
  for (const table of PARTITIONED_TABLES) {
    const partitions = await partitionsOf(db.dataSource, table);
    const ranged = partitions.filter((partition) => partition.from !== null);
    expect(ranged.map(({ from, to }) => [from?.toISOString(), to?.toISOString()])).toEqual(expected);
    expect(ranged.map((partition) => partition.name)).toEqual(
      expected.map(([from]) => `${table}_p${from.slice(0, 10).replace(/-/g, '')}`),
    );
    expect(partitions.at(-1)?.name).toBe(`${table}_default`);
  }
});

it('says at start which retention is in force', () => {
  expect(service.output()).toMatch(
    /"retention":"none: history is kept \(HISTORY_RETENTION unset\)".*"msg":"history retention"/,
  );
});

it('repeats maintenance on its timer without error and stops it on SIGTERM', async () => {
  // Two more runs after the one at boot, one a second.
  await waitForOutput(service.child, /history partitions maintained[\s\S]*history partitions maintained/, 10_000);
  expect(service.output()).not.toMatch(/maintenance failed/);

  service.child.kill('SIGTERM');
  expect(await exitOf(service.child)).toBe(0);
}, 30_000);
