import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { MeterHistory, MeterLive, VehicleHistory, VehicleLive } from '../../src/entities';
import type { Reading, ReadingType } from '../../src/ingestion/ingestion.dto';
import { WRITE_STATEMENTS, writeParams } from '../../src/ingestion/ingestion.repository';
import { ingestionPath, type ReadingSource } from './readings';
import { percentile } from './stats';

export const SINGLE_CONNECTIONS = 64;
export const BATCH_SIZE = 1_000;
export const BATCH_CLIENTS = 4;

export interface PhaseResult {
  readingsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Readings sent that did not end up as new rows: errors, non-2xx answers, duplicates. */
  notStored: number;
}

export interface PhaseContext {
  url: string;
  source: ReadingSource;
  /** BATCH_CLIENTS connections straight to the bench database. */
  pool: Pool;
  /** TypeORM over the bench database, pooled like the service (DB_POOL_MAX). */
  dataSource: DataSource;
  seconds: number;
}

/** What the phases over HTTP use: they reach the database only through the service. */
export type HttpPhaseContext = Pick<PhaseContext, 'url' | 'source' | 'seconds'>;

const POST_JSON = { method: 'POST', headers: { 'content-type': 'application/json' } } as const;

/** Single readings over HTTP; setupRequest runs before every request, so each one carries a new reading. */
export async function single(ctx: HttpPhaseContext): Promise<PhaseResult> {
  const result = await autocannon({
    url: ctx.url,
    connections: SINGLE_CONNECTIONS,
    duration: ctx.seconds,
    ...POST_JSON,
    requests: [
      {
        setupRequest: (request) => {
          const body = ctx.source.body();
          return { ...request, path: ingestionPath(body), body: JSON.stringify(body) };
        },
      },
    ],
  });
  const created = result.statusCodeStats?.['201']?.count ?? 0;
  return {
    readingsPerSecond: created / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    notStored: result['2xx'] - created + result.non2xx + result.errors,
  };
}

/**
 * Not a reading at all: GET /healthz through the same middleware at the same concurrency. It is the most
 * requests per second this HTTP stack serves on this machine, the ceiling for one-reading-per-request.
 */
export async function ceiling(ctx: PhaseContext): Promise<PhaseResult> {
  const result = await autocannon({
    url: `${ctx.url}/healthz`,
    connections: SINGLE_CONNECTIONS,
    duration: ctx.seconds,
  });
  return {
    readingsPerSecond: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    notStored: 0,
  };
}

/** Batches over HTTP, counted by the `stored` figure the service answers with. */
export async function batch(ctx: HttpPhaseContext): Promise<PhaseResult> {
  let stored = 0;
  let answered = 0;
  const result = await autocannon({
    url: ctx.url,
    connections: BATCH_CLIENTS,
    duration: ctx.seconds,
    ...POST_JSON,
    requests: [
      {
        path: '/v1/ingestion/batch',
        setupRequest: (request) => ({ ...request, body: JSON.stringify(ctx.source.bodies(BATCH_SIZE)) }),
        onResponse: (status, body) => {
          answered += 1;
          if (status === 201 || status === 207) stored += (JSON.parse(body) as { stored: number }).stored;
        },
      },
    ],
  });
  return {
    readingsPerSecond: stored / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    notStored: (answered + result.errors) * BATCH_SIZE - stored,
  };
}

/**
 * Closed-loop writers for the in-process phases: each worker writes, waits, writes again until the
 * time is up. A failed write counts as not stored; the first error is shown so a broken phase is not
 * mistaken for a slow one.
 */
async function closedLoop<T>(
  workers: number,
  seconds: number,
  size: number,
  make: () => T,
  write: (item: T) => Promise<number>,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let stored = 0;
  let notStored = 0;
  let firstError: unknown;
  const start = performance.now();
  const deadline = start + seconds * 1_000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const item = make();
      const began = performance.now();
      try {
        const written = await write(item);
        latencies.push(performance.now() - began);
        stored += written;
        notStored += size - written;
      } catch (error) {
        firstError ??= error;
        notStored += size;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  if (firstError !== undefined) console.error('bench: a write failed:', firstError);
  return {
    readingsPerSecond: stored / ((performance.now() - start) / 1_000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    notStored,
  };
}

const TYPE_ORDER: ReadingType[] = ['meter', 'vehicle'];

/** The floor: the service's own statements and parameters in one transaction per batch, without HTTP or TypeORM. */
export function floor(ctx: PhaseContext): Promise<PhaseResult> {
  return closedLoop(
    BATCH_CLIENTS,
    ctx.seconds,
    BATCH_SIZE,
    () => ctx.source.readings(BATCH_SIZE),
    async (readings) => {
      const client = await ctx.pool.connect();
      try {
        await client.query('BEGIN');
        let stored = 0;
        for (const type of TYPE_ORDER) {
          const ofType = readings.filter((reading) => reading.type === type);
          stored += (await client.query(WRITE_STATEMENTS[type], writeParams(type, ofType))).rowCount ?? 0;
        }
        await client.query('COMMIT');
        return stored;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  );
}

const NAIVE_ENTITIES: Record<ReadingType, [history: EntityTarget<ObjectLiteral>, live: EntityTarget<ObjectLiteral>]> = {
  meter: [MeterHistory, MeterLive],
  vehicle: [VehicleHistory, VehicleLive],
};

/** The obvious implementation a first version would write: per reading, a transaction with two save() calls. */
export function naive(ctx: PhaseContext): Promise<PhaseResult> {
  const next = (): Reading => ctx.source.readings(1)[0];
  return closedLoop(SINGLE_CONNECTIONS, ctx.seconds, 1, next, async ({ type, timestamp, ...measures }) => {
    const [history, live] = NAIVE_ENTITIES[type];
    await ctx.dataSource.transaction(async (manager) => {
      await manager.save(history, { ...measures, ts: timestamp });
      await manager.save(live, { ...measures, ts: timestamp });
    });
    return 1;
  });
}
