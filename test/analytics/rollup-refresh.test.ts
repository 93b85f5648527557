import request from 'supertest';
import { RollupRepository } from '../../src/analytics/rollup.repository';
import { withDatabase } from '../../src/db/data-source';
import { databaseEnv } from '../../tools/shared/database-env';
import { createTestApp, type TestApp } from '../support/test-app';
import { meterReading, uniqueId, vehicleReading } from '../support/factories';
import { exitOf, spawnTs } from '../support/spawn-ts';
import { testServer } from '../support/test-database';
import { expectRollupsExact, rollupsAndHistory } from '../support/rollups';

/** `npm run analytics:refresh` and the repository behind it, on a database of this file's own. */
let t: TestApp;
let rollups: RollupRepository;
beforeAll(async () => {
  t = await createTestApp({ DB_POOL_MAX: '12' });
  rollups = new RollupRepository(t.db.dataSource, t.config.db.lockTimeoutMs);
});
afterAll(() => t.close());

const DAY = 86_400_000;
const query = (sql: string, params: unknown[] = []) => t.db.dataSource.query(sql, params);

/** Readings written into the default partitions themselves, where the history triggers do not fire. */
async function bypassTriggers(meterId: string, vehicleId: string, day: string): Promise<void> {
  await query(
    `INSERT INTO meter_history_default (meter_id, ts, kwh_consumed_ac, voltage)
     SELECT $1, $2::timestamptz + n * interval '13 minutes', n, 200 + n FROM generate_series(0, 150) AS n`,
    [meterId, day],
  );
  await query(
    `INSERT INTO vehicle_history_default (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
     SELECT $1, $2::timestamptz + n * interval '1 hour', n, n / 3.0, n - 20 FROM generate_series(1, 30) AS n`,
    [vehicleId, day],
  );
}

async function expectDrift(): Promise<void> {
  const { stored, fromHistory } = await rollupsAndHistory(t.db.dataSource, 'meter');
  expect(stored).not.toEqual(fromHistory);
}

describe('refreshing the rollups from history', () => {
  it('repairs what the triggers never saw, removes rollups with no history left and corrects damaged ones', async () => {
    const [meterId, vehicleId, gone] = [uniqueId('MTR'), uniqueId('VEH'), uniqueId('MTR')];
    await request(t.app)
      .post('/v1/ingestion/batch')
      .send([
        meterReading({ meterId, timestamp: '2025-06-02T00:30:00Z' }),
        meterReading({ meterId: gone, timestamp: '2025-06-03T08:00:00Z' }),
      ])
      .expect(201);
    await bypassTriggers(meterId, vehicleId, '2025-06-01T22:00:00Z');
    await query(`DELETE FROM meter_history WHERE meter_id = $1`, [gone]);
    await query(`UPDATE meter_rollup_hourly SET readings = readings + 5 WHERE meter_id = $1`, [meterId]);
    await expectDrift();

    const refreshed = await rollups.refresh();

    expect(refreshed.map(({ kind, day }) => `${kind} ${day.toISOString().slice(0, 10)}`)).toEqual(
      expect.arrayContaining(['meter 2025-06-01', 'meter 2025-06-02', 'meter 2025-06-03', 'vehicle 2025-06-03']),
    );
    expect(await query(`SELECT 1 FROM meter_rollup_hourly WHERE meter_id = $1`, [gone])).toEqual([]);
    await expectRollupsExact(t.db.dataSource);
    // A second run finds nothing to change.
    await rollups.refresh();
    await expectRollupsExact(t.db.dataSource);
  });

  it('npm run analytics:refresh does the same through the configuration the server uses', async () => {
    await bypassTriggers(uniqueId('MTR'), uniqueId('VEH'), '2025-07-14T05:00:00Z');
    await expectDrift();
    const cli = spawnTs('src/analytics/rollup-refresh.cli.ts', {
      NODE_ENV: 'test',
      ...databaseEnv(withDatabase(testServer().target, t.db.name)),
    });
    let stdout = '';
    cli.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    expect(await exitOf(cli)).toBe(0);
    expect(stdout).toMatch(/^meter: \d+ days refreshed, \d+ rollup rows before, \d+ after$/m);
    expect(stdout).toMatch(/^vehicle: \d+ days refreshed/m);
    await expectRollupsExact(t.db.dataSource);
  }, 60_000);

  it('while readings stream in concurrently, nothing is lost and nothing counted twice', async () => {
    const meters = Array.from({ length: 6 }, () => uniqueId('MTR'));
    const vehicles = Array.from({ length: 6 }, () => uniqueId('VEH'));
    const start = Math.floor(Date.now() / DAY) * DAY - 8 * DAY;
    // Eight days of history for the refresh to work through, a chunk per day.
    await query(
      `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage)
       SELECT m, $2::timestamptz + n * interval '5 minutes', 0.5, 230 FROM unnest($1::text[]) AS m, generate_series(1, 2300) AS n`,
      [meters, new Date(start).toISOString()],
    );
    // Late readings into the same days, some of them repeats, from several clients at once.
    const randomTs = () => new Date(start + Math.floor(Math.random() * 8 * DAY)).toISOString();
    const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)];
    let streaming = true;
    let stored = 0;
    const client = async () => {
      for (let round = 0; streaming || round < 5; round += 1) {
        const batch = Array.from({ length: 40 }, (_, i) =>
          i % 2 === 0
            ? meterReading({ meterId: pick(meters), timestamp: randomTs(), kwhConsumedAc: Math.random() })
            : vehicleReading({ vehicleId: pick(vehicles), timestamp: randomTs(), soc: Math.random() * 100 }),
        );
        const res = await request(t.app).post('/v1/ingestion/batch').send(batch).expect(201);
        stored += (res.body as { stored: number }).stored;
      }
    };
    const clients = Array.from({ length: 6 }, client);
    await rollups.refresh();
    await rollups.refresh();
    streaming = false;
    await Promise.all(clients);

    const [{ n }] = await query(
      `SELECT (SELECT count(*) FROM meter_history WHERE meter_id = ANY($1))
            + (SELECT count(*) FROM vehicle_history WHERE vehicle_id = ANY($2)) AS n`,
      [meters, vehicles],
    );
    expect(Number(n)).toBe(6 * 2300 + stored);
    expect(stored).toBeGreaterThan(0);
    await expectRollupsExact(t.db.dataSource);
  }, 120_000);
});
