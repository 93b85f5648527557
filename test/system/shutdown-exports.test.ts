import { stalledGet } from '../../tools/bench/isolation-clients';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/test-database';
import { exitOf } from '../support/spawn-ts';
import { startService, type ServiceProcess } from '../support/service-process';

let db: IsolatedDatabase;
let service: ServiceProcess;

beforeAll(async () => {
  db = await createIsolatedDatabase();
  // More CSV than the sockets between the service and a client that reads nothing can hold.
  await db.dataSource.query(
    `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage)
     SELECT 'MTR-HELD', timestamptz '2026-01-01T00:00:00Z' + g * interval '1 second', 0.125, 230
     FROM generate_series(1, 300000) g`,
  );
  service = await startService(db, {
    SHUTDOWN_TIMEOUT_MS: '20000',
    // Longer than the drain may take: only the stop itself can end these exports.
    EXPORT_IDLE_TIMEOUT_MS: '600000',
  });
}, 120_000);

afterAll(async () => {
  service?.kill();
  await db.drop();
});

const runningCopies = async () =>
  (
    await db.dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND query ~* '^\\s*COPY' AND state = 'active'`,
    )
  )[0].n;

it('on SIGTERM it cuts exports whose clients stopped reading short, cancels their COPYs and exits 0', async () => {
  const path = '/v1/meters/MTR-HELD/readings?from=2025-12-31T00:00:00Z&to=2026-01-10T00:00:00Z';
  const clients = [stalledGet(service.url, path, { Accept: 'text/csv' })];
  clients.push(stalledGet(service.url, path, { Accept: 'text/csv' }));
  expect(await Promise.all(clients.map((client) => client.status))).toEqual([200, 200]);
  expect(await runningCopies()).toBe(2);

  service.child.kill('SIGTERM');
  const code = await exitOf(service.child);

  expect(code).toBe(0);
  expect(service.output()).toMatch(/"msg":"stopped"/);
  expect(await runningCopies()).toBe(0);
  for (const client of clients) client.socket.destroy();
}, 120_000);
