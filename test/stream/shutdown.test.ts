import { meterReading, uniqueId } from '../support/factories';
import { exitOf } from '../support/spawn-ts';
import { startService, type ServiceProcess } from '../support/service-process';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/test-database';
import { SseClient } from './sse-client';

let db: IsolatedDatabase;
let service: ServiceProcess;

beforeAll(async () => {
  db = await createIsolatedDatabase();
  service = await startService(db, {
    SHUTDOWN_TIMEOUT_MS: '30000',
  });
}, 120_000);

afterAll(async () => {
  service?.kill();
  await db.drop();
});

it('on SIGTERM, open streams end and the server exits at once rather than at the shutdown deadline', async () => {
  const meterId = uniqueId('MTR');
  const url = `${service.url}/v1/stream`;
  const streams = await Promise.all([SseClient.open(url), SseClient.open(`${url}?meterId=${meterId}`)]);
  await fetch(`${service.url}/v1/ingestion/meter`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(meterReading({ meterId })),
  });
  expect((await streams[1].nextEvent()).data.meterId).toBe(meterId);

  const signalled = Date.now();
  service.child.kill('SIGTERM');
  await Promise.all(streams.map((stream) => stream.untilEnded(10_000)));
  expect(await exitOf(service.child)).toBe(0);
  expect(Date.now() - signalled).toBeLessThan(10_000);
}, 60_000);
