import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

/** The subset of pg.Pool that the pool gauges read. */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export type ReadingOutcome = 'ingested' | 'duplicate' | 'rejected';

/** One registry per app instance, so tests and several apps in one process never share series. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    readings: new Counter({
      name: 'fleet_readings_total',
      help: 'Readings received, by type and outcome (ingested, duplicate, rejected)',
      labelNames: ['type', 'outcome'] as const,
      registers,
    }),
    registerEvents: new Counter({
      name: 'fleet_register_events_total',
      help:
        'Register readings whose counter did not simply rise, by type and event: dip (held), reset and ' +
        'replaced (a new counter epoch), rollover (past REGISTER_ROLLOVER_KWH), quarantined (faster than MAX_POWER_KW)',
      labelNames: ['type', 'event'] as const,
      registers,
    }),
    groupCommitSize: new Histogram({
      name: 'fleet_group_commit_size',
      help: 'Single readings written per group-commit transaction',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    }),
    rollupSealedUntil: new Gauge({
      name: 'fleet_rollup_sealed_until_seconds',
      help:
        'Unix time up to which the hourly rollups are sealed, as this process last sealed them; ' +
        'analytics reads history after it, so time() minus this is how much it reads reading by reading',
      registers,
    }),
    authRefused: new Counter({
      name: 'fleet_auth_refused_total',
      help:
        'Requests refused before their route: no-key, malformed-header, unknown-key (invalid or revoked), ' +
        'role (a valid key whose role does not cover the route), not-local (no keys yet and not from this machine), ' +
        "scope (a reading or session for a device outside its key's scope), unregistered (with DEVICE_REGISTRY=required), " +
        'decommissioned (a retired device)',
      labelNames: ['reason'] as const,
      registers,
    }),
    ingestQueueRefused: new Counter({
      name: 'fleet_ingest_queue_refused_total',
      help: 'Single readings answered 503 at once because INGEST_QUEUE_MAX readings were already waiting for a group',
      registers,
    }),
    alarmsOpen: new Gauge({
      name: 'fleet_alarms_open',
      help: 'Open alarms (active or acknowledged) by type, as the database held them at the last alarm check',
      labelNames: ['type'] as const,
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'fleet_webhook_attempts_total',
      help:
        'Webhook delivery attempts made by this process, by outcome: delivered (2xx), rejected (another status), ' +
        'gone (410, the endpoint disabled), timeout, refused (a private address), error (no answer)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    webhookOldestPendingSeconds: new Gauge({
      name: 'fleet_webhook_oldest_pending_seconds',
      help: 'Age of the oldest delivery still pending, as this process last looked; 0 when none is',
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Pool gauges read each pool when scraped, so they cost nothing between scrapes. */
export function observePools(metrics: Metrics, pools: Record<string, DataSource>): void {
  const counts = () =>
    Object.entries(pools).flatMap(([name, dataSource]) => {
      const pool = (dataSource.driver as unknown as { master?: PoolCounts }).master;
      return pool ? [{ name, pool }] : [];
    });
  new Gauge({
    name: 'fleet_db_pool_connections',
    help: 'Database pool connections by pool (ingest, reads, exports, stream, maintenance) and state',
    labelNames: ['pool', 'state'] as const,
    registers: [metrics.registry],
    collect() {
      for (const { name, pool } of counts()) {
        this.set({ pool: name, state: 'in_use' }, pool.totalCount - pool.idleCount);
        this.set({ pool: name, state: 'idle' }, pool.idleCount);
      }
    },
  });
  new Gauge({
    name: 'fleet_db_pool_waiting',
    help: 'Requests waiting for a database connection, by pool',
    labelNames: ['pool'] as const,
    registers: [metrics.registry],
    collect() {
      for (const { name, pool } of counts()) this.set({ pool: name }, pool.waitingCount);
    },
  });
}

/** Read when scraped: the clients this process is streaming to. */
export function observeStreamClients(metrics: Metrics, clients: () => number): void {
  new Gauge({
    name: 'fleet_stream_clients',
    help: 'Clients this process is streaming to (GET /v1/stream)',
    registers: [metrics.registry],
    collect() {
      this.set(clients());
    },
  });
}
