import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import type { ReadingType } from '../../src/ingestion/ingestion.dto';
import { WRITE_STATEMENTS, writeParams } from '../../src/ingestion/ingestion.repository';
import { FLEET, ingestionPath, type ReadingBody, type ReadingSource, type RegisterReadingSource } from './readings';
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
  /** The service's peak resident memory while the phase loaded it; absent for the baselines. */
  serviceRssMb?: number;
}

export interface PhaseContext {
  source: ReadingSource;
  seconds: number;
}

/** The phases over HTTP, against the service or a baseline server at `url`. */
export interface HttpPhaseContext extends PhaseContext {
  url: string;
  /** SINGLE_CONNECTIONS unless given. */
  connections?: number;
  /** For a service with keys on: the Authorization header of each single reading, chosen by the reading. */
  authorization?: (body: ReadingBody) => string;
}

export interface FloorContext extends PhaseContext {
  /** BATCH_CLIENTS connections straight to the bench database. */
  pool: Pool;
}

const POST_JSON = { method: 'POST', headers: { 'content-type': 'application/json' } } as const;

/**
 * Single readings over HTTP, to the service or to a baseline server, counted by their 201 answers;
 * setupRequest runs before every request, so each one carries a new reading (and its own credential).
 */
export async function single(ctx: HttpPhaseContext): Promise<PhaseResult> {
  const result = await autocannon({
    url: ctx.url,
    connections: ctx.connections ?? SINGLE_CONNECTIONS,
    duration: ctx.seconds,
    ...POST_JSON,
    requests: [
      {
        setupRequest: (request) => {
          const body = ctx.source.body();
          const headers = ctx.authorization
            ? { ...request.headers, authorization: ctx.authorization(body) }
            : request.headers;
          return { ...request, headers, path: ingestionPath(body), body: JSON.stringify(body) };
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
 * Single readings spread over several servers at once, SINGLE_CONNECTIONS in all, split evenly: what
 * several processes of the service on one machine take together, as Node's cluster module would run them.
 * Latencies are the worst of the servers'.
 */
export async function singleAcross(urls: string[], ctx: PhaseContext): Promise<PhaseResult> {
  const connections = SINGLE_CONNECTIONS / urls.length;
  const parts = await Promise.all(urls.map((url) => single({ ...ctx, url, connections })));
  return {
    readingsPerSecond: parts.reduce((sum, part) => sum + part.readingsPerSecond, 0),
    p50Ms: Math.max(...parts.map((part) => part.p50Ms)),
    p99Ms: Math.max(...parts.map((part) => part.p99Ms)),
    notStored: parts.reduce((sum, part) => sum + part.notStored, 0),
  };
}

/**
 * Not a reading at all: GET /healthz through the service's middleware at the same concurrency, what
 * its HTTP stack serves for a request that does nothing.
 */
export async function healthz(ctx: Pick<HttpPhaseContext, 'url' | 'seconds'>): Promise<PhaseResult> {
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

/** What a batch phase sends: each call a new batch, as ReadingSource and RegisterReadingSource make them. */
export interface BatchSource {
  bodies(n: number): object[];
}

/** The batch phases over HTTP: the service at `url`, batches from `source`. */
export interface BatchPhaseContext extends Pick<HttpPhaseContext, 'url' | 'seconds'> {
  source: BatchSource;
}

/** Batches over HTTP, counted by the `stored` figure the service answers with. */
export async function batch(ctx: BatchPhaseContext): Promise<PhaseResult> {
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
 * One round of the register fleet, every device's first reading, sent before any phase and not
 * recorded: without it the first readings the register phase measures would have nothing to be
 * measured against, which a fleet that has been reporting for a while never meets. Each batch must
 * come back stored whole, so a service that refuses register readings fails the run here rather than
 * pass as a phase of refusals.
 */
export async function primeRegisters(url: string, source: RegisterReadingSource): Promise<void> {
  for (let sent = 0; sent < 2 * FLEET; sent += BATCH_SIZE) {
    const res = await fetch(`${url}/v1/ingestion/batch`, {
      ...POST_JSON,
      body: JSON.stringify(source.bodies(BATCH_SIZE)),
    });
    const text = await res.text();
    const stored = res.status === 201 ? (JSON.parse(text) as { stored: number }).stored : 0;
    if (stored !== BATCH_SIZE) {
      throw new Error(`the service answered a batch of register readings ${res.status}, ${stored} stored: ${text}`);
    }
  }
}

/**
 * Closed-loop writers for the in-process phase: each worker writes, waits, writes again until the
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
export function floor(ctx: FloorContext): Promise<PhaseResult> {
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
