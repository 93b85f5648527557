import { RollupRepository } from '../../src/analytics/rollup.repository';
import { MaintenanceScheduler } from '../../src/db/maintenance.scheduler';
import { uniqueId } from '../support/factories';
import { captureLogs } from '../support/log-capture';
import { expectRollupsExact } from '../support/rollups';
import { createTestApp, type TestApp } from '../support/test-app';
import { testConfig } from '../support/test-database';

/** A service stopping while the seal catches up: it leaves after one step, with nothing half done. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const query = <T = unknown>(sql: string, params: unknown[] = []) => t.db.dataSource.query<T[]>(sql, params);

it('stopped while catching up on a backlog, returns after the step in progress with the mark part-way and the rollups exact; the next seal carries on', async () => {
  const now = Date.now();
  const [hours, days] = [new Date(Math.floor(now / HOUR) * HOUR), new Date(Math.floor(now / DAY) * DAY)];
  const start = new Date(days.getTime() - 6 * DAY);
  await query(`UPDATE rollup_seal SET hours_until = $1, days_until = $1`, [start]);
  const [meterId, vehicleId] = [uniqueId('STOP-M'), uniqueId('STOP-V')];
  // A reading every 20 minutes for five days: well over a hundred steps to seal.
  const series = `generate_series(1, ${5 * 72}) AS n`;
  const at = `$2::timestamptz + n * interval '20 minutes'`;
  await query(
    `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage) SELECT $1, ${at}, n / 100.0, 220 + n % 20 FROM ${series}`,
    [meterId, start],
  );
  await query(
    `INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
     SELECT $1, ${at}, n % 100, n / 110.0, n % 40 FROM ${series}`,
    [vehicleId, start],
  );
  const repository = new RollupRepository(t.db.dataSource, testConfig().db.lockTimeoutMs);
  const marks: Date[] = [];
  let stopped: Promise<void> | undefined;
  const scheduler: MaintenanceScheduler = new MaintenanceScheduler(
    [
      {
        name: 'rollup seal',
        run: async (signal) => {
          const sealing = repository.seal(
            hours,
            days,
            (mark) => {
              marks.push(mark);
              // The service told to stop once the first step has committed.
              if (marks.length === 2) stopped = scheduler.stop();
            },
            signal,
          );
          return { changed: await sealing };
        },
      },
    ],
    captureLogs('info').logger,
    60_000,
  );

  await scheduler.start();
  await stopped;

  // The mark before it started, and after its one step.
  expect(marks).toHaveLength(2);
  const [mark] = await query<{ hours_until: Date; days_until: Date }>(`SELECT * FROM rollup_seal`);
  expect(mark.hours_until).toEqual(marks[1]);
  expect(mark.hours_until.getTime()).toBeGreaterThan(start.getTime());
  expect(mark.hours_until.getTime()).toBeLessThan(hours.getTime());
  expect(mark.days_until).toEqual(start);
  await expectRollupsExact(t.db.dataSource);

  expect(await repository.seal(hours, days)).toBe(true);
  const [done] = await query<{ hours_until: Date; days_until: Date }>(`SELECT * FROM rollup_seal`);
  expect([done.hours_until, done.days_until]).toEqual([hours, days]);
  await expectRollupsExact(t.db.dataSource);
});
