import type { ChildProcess } from 'node:child_process';
import { withDatabase } from '../../src/db/data-source';
import { databaseEnv } from '../../tools/shared/database-env';
import { meterReading, uniqueId } from '../support/factories';
import { exitOf, spawnTs, waitForOutput } from '../support/spawn-ts';
import { createIsolatedDatabase, testServer, type IsolatedDatabase } from '../support/test-database';
import { SseClient } from './sse-client';

const PORT = 39_000 + (process.pid % 1000);
let db: IsolatedDatabase;
let server: ChildProcess;

beforeAll(async () => {
  db = await createIsolatedDatabase();
  server = spawnTs('src/server.ts', {
    PORT: String(PORT),
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
    SHUTDOWN_TIMEOUT_MS: '30000',
    ...databaseEnv(withDatabase(testServer().target, db.name)),
  });
  await waitForOutput(server, /fleet platform listening/);
}, 120_000);

afterAll(async () => {
  if (server.exitCode === null) server.kill('SIGKILL');
  await db.drop();
});

it('on SIGTERM, open streams end and the server exits at once rather than at the shutdown deadline', async () => {
  const meterId = uniqueId('MTR');
  const url = `http://127.0.0.1:${PORT}/v1/stream`;
  const streams = await Promise.all([SseClient.open(url), SseClient.open(`${url}?meterId=${meterId}`)]);
  await fetch(`http://127.0.0.1:${PORT}/v1/ingestion/meter`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(meterReading({ meterId })),
  });
  expect((await streams[1].nextEvent()).data.meterId).toBe(meterId);

  const signalled = Date.now();
  server.kill('SIGTERM');
  await Promise.all(streams.map((stream) => stream.untilEnded(10_000)));
  expect(await exitOf(server)).toBe(0);
  expect(Date.now() - signalled).toBeLessThan(10_000);
}, 60_000);
