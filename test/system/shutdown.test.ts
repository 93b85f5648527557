import { Client } from 'pg';
import { clientConfig, withDatabase } from '../../src/db/data-source';
import { createIsolatedDatabase, testServer, type IsolatedDatabase } from '../support/test-database';
import { exitOf } from '../support/spawn-ts';
import { startService, type ServiceProcess } from '../support/service-process';
import { meterReading } from '../support/factories';

let db: IsolatedDatabase;
let service: ServiceProcess;

beforeAll(async () => {
  db = await createIsolatedDatabase();
  service = await startService(db, {
    SHUTDOWN_TIMEOUT_MS: '20000',
  });
}, 120_000);

afterAll(async () => {
  service?.kill();
  await db.drop();
});

async function post(body: object): Promise<number> {
  try {
    const res = await fetch(`${service.url}/v1/ingestion/meter`, {
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

  service.child.kill('SIGTERM');
  const code = await exitOf(service.child);
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
