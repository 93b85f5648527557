import { MaintenanceScheduler } from '../../src/db/maintenance.scheduler';
import { captureLogs } from '../support/log-capture';

const entries = (lines: string[]) => lines.map((line) => JSON.parse(line) as { level: number; msg: string });

/** An error as pg raises it for a lock wait given up at lock_timeout. */
const lockTimeout = Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' });

describe('MaintenanceScheduler', () => {
  it('logs a job that gave up a busy lock as a warning and still runs the jobs after it', async () => {
    const { logger, lines } = captureLogs('info');
    let after = 0;
    const scheduler = new MaintenanceScheduler(
      [
        { name: 'rollup seal', run: () => Promise.reject(lockTimeout) },
        { name: 'history partitions', run: () => Promise.resolve({ changed: (after += 1) > 0 }) },
      ],
      logger,
      60_000,
    );
    await scheduler.start();
    await scheduler.stop();

    expect(after).toBe(1);
    expect(entries(lines)).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'rollup seal stood aside: a table it locks is busy; next run retries',
      }),
      expect.objectContaining({ level: 30, msg: 'history partitions maintained' }),
    ]);
  });

  it('logs any other failure as an error with its cause', async () => {
    const { logger, lines } = captureLogs('info');
    const scheduler = new MaintenanceScheduler(
      [{ name: 'rollup seal', run: () => Promise.reject(new Error('relation "rollup_seal" does not exist')) }],
      logger,
      60_000,
    );
    await scheduler.start();
    await scheduler.stop();

    expect(entries(lines)).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'rollup seal maintenance failed',
        err: expect.objectContaining({ message: 'relation "rollup_seal" does not exist' }),
      }),
    ]);
  });
});

describe('MaintenanceScheduler.stop', () => {
  it('tells the job in progress to stop, waits for it, and runs none of the jobs after it', async () => {
    const { logger } = captureLogs('info');
    const ran: string[] = [];
    let stopped: Promise<void> | undefined;
    const scheduler: MaintenanceScheduler = new MaintenanceScheduler(
      [
        {
          name: 'rollup seal',
          run: async (signal) => {
            ran.push('seal');
            // A backlog that goes on until told to stop, as a shutdown does while it works.
            const told = new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
            stopped = scheduler.stop();
            await told;
            return { changed: true };
          },
        },
        { name: 'history partitions', run: () => Promise.resolve({ changed: Boolean(ran.push('partitions')) }) },
      ],
      logger,
      60_000,
    );

    await scheduler.start();
    await stopped;

    expect(ran).toEqual(['seal']);
  });
});
