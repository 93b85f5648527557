import { maintenanceAt } from '../support/partitions';
import { createTestApp, type TestApp } from '../support/test-app';
import { eventually, holdExport, listening, loadReadings, runningCopies } from './export-support';

/**
 * Ten daily partitions of history, a reading a second from 4 to 7 February, and an export of
 * 4 February 06:00 to 7 February 06:00 held by a client that reads nothing: for as long as it is
 * held, the COPY must lock the partitions of 4 to 7 February only, so that partition upkeep on any
 * other day never waits for it.
 */
let t: TestApp;
const vehicleId = 'PRUNE-V';
const window = { from: '2026-02-04T06:00:00Z', to: '2026-02-07T06:00:00Z' };

beforeAll(async () => {
  t = await createTestApp();
  await maintenanceAt(t.db.dataSource, '2026-02-01T00:00:00Z', {
    interval: { count: 1, unit: 'day' },
    ahead: 9,
  }).maintain();
  await loadReadings(t.db.dataSource, vehicleId, 3.5 * 86_400, '2026-02-04T00:00:00Z');
}, 120_000);
afterAll(() => t.close());

/** The history partitions `pid` holds a lock on, by name, with the mode. */
const lockedPartitions = (pid: number) =>
  t.db.dataSource.query<Array<{ name: string; mode: string }>>(
    `SELECT c.relname AS name, l.mode FROM pg_locks l
     JOIN pg_class c ON c.oid = l.relation
     JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = 'vehicle_history'::regclass
     WHERE l.pid = $1 ORDER BY 1`,
    [pid],
  );

describe('a CSV export held by a client that reads nothing', () => {
  it('locks only the history partitions of its window: the COPY is pruned when planned', async () => {
    const server = await listening(t);
    const held = await holdExport(
      `${server.url}/v1/vehicles/${vehicleId}/readings?${new URLSearchParams(window).toString()}`,
    );
    try {
      expect(held.status).toBe(200);
      await eventually(async () => (await runningCopies(t)).length === 1);
      const [copying] = await runningCopies(t);
      expect(await lockedPartitions(copying)).toEqual([
        { name: 'vehicle_history_p20260204', mode: 'AccessShareLock' },
        { name: 'vehicle_history_p20260205', mode: 'AccessShareLock' },
        { name: 'vehicle_history_p20260206', mode: 'AccessShareLock' },
        { name: 'vehicle_history_p20260207', mode: 'AccessShareLock' },
      ]);
    } finally {
      held.leave();
      await eventually(async () => (await runningCopies(t)).length === 0);
      await server.close();
    }
  });
});
