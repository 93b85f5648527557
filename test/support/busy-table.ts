import type { Express } from 'express';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { meterReading, uniqueId } from './factories';

export interface HeldTable {
  /** The backend holding the lock. */
  pid: number;
  release(): Promise<void>;
}

/**
 * Another session holding `table` in SHARE UPDATE EXCLUSIVE, the lock VACUUM, ANALYZE, CREATE INDEX
 * CONCURRENTLY and anti-wraparound autovacuum take, until released. Readings may still be written
 * into it: that mode lets writers through and stops only those that want a table of readings still.
 */
export async function heldLikeVacuum(dataSource: DataSource, table: string): Promise<HeldTable> {
  const runner = dataSource.createQueryRunner();
  await runner.startTransaction();
  await runner.query(`LOCK TABLE ${table} IN SHARE UPDATE EXCLUSIVE MODE`);
  const [{ pid }] = (await runner.query(`SELECT pg_backend_pid() AS pid`)) as Array<{ pid: number }>;
  return {
    pid,
    release: async () => {
      if (!runner.isReleased) {
        await runner.commitTransaction();
        await runner.release();
      }
    },
  };
}

export interface LockWaiter {
  pid: number;
  query: string;
  /** The backends it waits for. */
  blockedBy: number[];
}

/** The sessions of this database waiting for a lock right now. */
export function lockWaiters(dataSource: DataSource): Promise<LockWaiter[]> {
  return dataSource.query<LockWaiter[]>(`
    SELECT pid, query, pg_blocking_pids(pid) AS "blockedBy"
    FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'`);
}

/** Samples the lock waits of the database until the returned stop is called, which answers all it saw. */
export function watchLockWaits(dataSource: DataSource): () => Promise<LockWaiter[]> {
  const seen: LockWaiter[] = [];
  let going = true;
  const loop = (async () => {
    while (going) {
      seen.push(...(await lockWaiters(dataSource)));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return async () => {
    going = false;
    await loop;
    return seen;
  };
}

/**
 * Readings were never held by the busy table itself: the one statement seen waiting for its holder is
 * the history lock of the seal or the stream's follow mark, which gives up at its lock timeout.
 */
export function expectOnlyHistoryLockWaitedFor(holder: HeldTable, seen: LockWaiter[]): void {
  const forHolder = seen.filter((waiter) => waiter.blockedBy.includes(holder.pid));
  expect(forHolder.length).toBeGreaterThan(0);
  expect(new Set(forHolder.map((waiter) => waiter.query))).toEqual(
    new Set(['LOCK TABLE meter_history, vehicle_history IN SHARE MODE']),
  );
}

export interface Ingesting {
  /** Stops posting and answers the status of every reading posted. */
  stop(): Promise<number[]>;
}

/** Single readings posted one after another, as a device would, until stopped. */
export function ingestingMeanwhile(app: Express): Ingesting {
  const meterId = uniqueId('MTR');
  const statuses: number[] = [];
  let going = true;
  const posting = (async () => {
    for (let n = 0; going; n++) {
      const timestamp = new Date(Date.now() - 60_000 + n).toISOString();
      const res = await request(app).post('/v1/ingestion/meter').send(meterReading({ meterId, timestamp }));
      statuses.push(res.status);
    }
  })();
  return {
    stop: async () => {
      going = false;
      await posting;
      return statuses;
    },
  };
}
