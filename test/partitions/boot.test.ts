import { PARTITIONED_TABLES } from '../../src/partitions/partition.tables';
import type { ChildProcess } from 'node:child_process';
import { withDatabase } from '../../src/db/data-source';
import { databaseEnv } from '../../tools/shared/database-env';
import { createIsolatedDatabase, testServer, type IsolatedDatabase } from '../support/test-database';
import { exitOf, spawnTs, waitForOutput } from '../support/spawn-ts';
import { partitionsOf } from '../support/partitions';

const PORT = 39_000 + (process.pid % 1000);
let db: IsolatedDatabase;
let server: ChildProcess;
let output = '';

beforeAll(async () => {
  db = await createIsolatedDatabase();
  server = spawnTs('src/server.ts', {
    PORT: String(PORT),
    LOG_LEVEL: 'debug',
    NODE_ENV: 'test',
    HISTORY_PARTITION_INTERVAL: '1 week',
    HISTORY_PARTITIONS_AHEAD: '2',
    PARTITION_MAINTENANCE_INTERVAL_MS: '1000',
    ...databaseEnv(withDatabase(testServer().target, db.name)),
  });
  server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForOutput(server, /fleet platform listening/);
}, 120_000);

afterAll(async () => {
  if (server.exitCode === null) server.kill('SIGKILL');
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
  expect(output).toMatch(/"retention":"none: history is kept \(HISTORY_RETENTION unset\)".*"msg":"history retention"/);
});

it('repeats maintenance on its timer without error and stops it on SIGTERM', async () => {
  // Two more runs after the one at boot, one a second.
  await waitForOutput(server, /history partitions maintained[\s\S]*history partitions maintained/, 10_000);
  expect(output).not.toMatch(/maintenance failed/);

  server.kill('SIGTERM');
  expect(await exitOf(server)).toBe(0);
}, 30_000);
