import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';

/**
 * The bulkheads: one pool per kind of work, each with its own limit, all on the same database.
 * Readings (and the writes they depend on: keys, sessions, /readyz) keep `ingest` to themselves, so
 * a slow export, a crowd of dashboards, a stream lease or the seal can exhaust their own pool but
 * never take a connection a reading is waiting for.
 */
export interface Pools {
  ingest: DataSource;
  /** Analytics, series, live and session-list reads, JSON reading pages, and the device registry. */
  reads: DataSource;
  /** CSV and JSON reading exports: EXPORT_MAX_CONCURRENT connections. */
  exports: DataSource;
  /** The live stream's announcements of committed readings, and its follow lease. */
  stream: DataSource;
  /** The rollup seal and partition upkeep. */
  maintenance: DataSource;
}

export type PoolName = keyof Pools;

/**
 * A reader whose pool is exhausted is answered 503 with Retry-After after this long, instead of
 * queueing as long as a reading may (the ingestion pool keeps the longer wait of buildDataSource).
 */
const READER_CONNECT_TIMEOUT_MS = 1_000;

function sibling(ingest: DataSource, name: Exclude<PoolName, 'ingest'>, max: number): DataSource {
  const { extra } = ingest.options as { extra?: Record<string, unknown> };
  return new DataSource({
    ...ingest.options,
    extra: {
      ...extra,
      max,
      connectionTimeoutMillis: READER_CONNECT_TIMEOUT_MS,
      application_name: `fleet-platform-${name}`,
    },
  });
}

/** Opens the other pools beside an initialized ingestion pool, with the same database and settings. */
export async function openPools(ingest: DataSource, config: AppConfig): Promise<Pools & { close(): Promise<void> }> {
  const { reads, stream, maintenance } = config.db.pools;
  const others = {
    reads: sibling(ingest, 'reads', reads),
    exports: sibling(ingest, 'exports', config.readingExport.maxConcurrent),
    stream: sibling(ingest, 'stream', stream),
    maintenance: sibling(ingest, 'maintenance', maintenance),
  };
  const opened = await Promise.allSettled(Object.values(others).map((pool) => pool.initialize()));
  const close = async () => {
    await Promise.all(
      Object.values(others)
        .filter((pool) => pool.isInitialized)
        .map((pool) => pool.destroy()),
    );
  };
  const failed = opened.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await close();
    throw failed.reason;
  }
  // The ingestion pool belongs to whoever opened it; only the pools opened here are closed here.
  return { ingest, ...others, close };
}
