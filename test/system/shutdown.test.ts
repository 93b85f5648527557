import { Client } from 'pg';
import type { ChildProcess } from 'node:child_process';
import { clientConfig, withDatabase } from '../../src/db/data-source';
import { databaseEnv } from '../../tools/shared/database-env';
import { createIsolatedDatabase, testServer, type IsolatedDatabase } from '../support/test-database';
import { exitOf, spawnTs, waitForOutput } from '../support/spawn-ts';
import { meterReading } from '../support/factories';

const PORT = 38_000 + (process.pid % 1000);
let db: IsolatedDatabase;
let server: ChildProcess;

beforeAll(async () => {
  db = await createIsolatedDatabase();
  const target = withDatabase(testServer().target, db.name);
  server = spawnTs('src/server.ts', {
    PORT: String(PORT),
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
    SHUTDOWN_TIMEOUT_MS: '20000',
    ...databaseEnv(target),
  });
  await waitForOutput(server, /fleet platform listening/);
}, 120_000);

afterAll(async () => {
  if (server.exitCode === null) server.kill('SIGKILL');
  await db.drop();
});

async function post(body: object): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${PORT}/v1/ingestion/meter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return res.status;
  } catch {
    return 0; // refused: the server no longer accepts
  }
}

it('on SIGTERM under load it answers what it accepted, stores every acknowledged reading and exits 0', async () => {
  const acknowledged: string[] = [];
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const body = meterReading();
      const status = await post(body);
      if (status === 201) acknowledged.push(body.meterId);
      else if (status === 0) return;
      else throw new Error(`unexpected status ${status}`);
    }
  };
  const workers = Array.from({ length: 16 }, worker);
  while (acknowledged.length < 200) await new Promise((resolve) => setTimeout(resolve, 20));

  server.kill('SIGTERM');
  const code = await exitOf(server);
  stop = true;
  await Promise.all(workers);

  expect(code).toBe(0);
  const client = new Client(clientConfig(withDatabase(testServer().target, db.name)));
  await client.connect();
  try {
    const { rows } = await client.query('SELECT meter_id FROM meter_history WHERE meter_id = ANY($1)', [acknowledged]);
    expect(rows).toHaveLength(acknowledged.length);
  } finally {
    await client.end();
  }
}, 120_000);
