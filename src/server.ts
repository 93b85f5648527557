import 'reflect-metadata';
import dotenv from 'dotenv';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config/config';
import { openDatabase } from './db/database';
import { EmbeddedPostgresError } from './db/embedded-postgres-error';
import { MaintenanceScheduler } from './db/maintenance.scheduler';
import { openPools } from './db/pools';
import { createLogger } from './logger';
import { openRedis } from './rate-limit/rate-limit.redis';
import { buildServices } from './services';

/** How often key and credential uses are written: how far `lastUsedAt` may lag behind. */
const KEY_USE_INTERVAL_MS = 60_000;

async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  const config = loadConfig();
  const logger = createLogger(config);
  const database = await openDatabase(config, logger);
  const pools = await openPools(database.dataSource, config);
  const services = buildServices(pools, config);
  const partitionMaintenance = new MaintenanceScheduler(
    [
      {
        name: 'history partitions',
        run: async (signal) => {
          const reports = await services.partitions.maintain(signal);
          const changed = reports.some((r) => !r.skipped && (r.created.length > 0 || r.dropped.length > 0));
          return { changed, details: reports };
        },
      },
      // Settled webhook deliveries leave the outbox after a month, with the partitions' hourly upkeep.
      {
        name: 'webhook history',
        run: async (signal) => {
          const pruned = await services.webhookDelivery.prune(signal);
          return { changed: pruned > 0, details: { pruned } };
        },
      },
    ],
    logger,
    config.partitions.maintenanceIntervalMs,
  );
  // After the partitions, so that the hours it seals have theirs.
  const rollupSealing = new MaintenanceScheduler(
    [{ name: 'rollup seal', run: async (signal) => ({ changed: await services.rollups.seal(signal) }) }],
    logger,
    config.analytics.rollupSealIntervalMs,
  );
  logger.info({ retention: services.partitions.retentionInForce() }, 'history retention');
  // Only the partitions readings go to are awaited: drops and expiry, as long as their backlog, run on
  // the timer, from its first run on, beside a service already answering devices.
  await services.partitions.prepare();
  void partitionMaintenance.start();
  // Not awaited: until it has run, analytics reads what is not sealed from history, exactly but slower.
  void rollupSealing.start();
  // Every replica checks; the database keeps one open alarm per subject and type, whoever finds it first.
  const alarmCheck = new MaintenanceScheduler(
    [
      {
        name: 'alarm check',
        run: async (signal) => {
          const report = await services.alarmCheck.check(signal);
          return { changed: report.raised + report.cleared > 0, details: report };
        },
      },
    ],
    logger,
    config.alarms.checkIntervalMs,
  );
  void alarmCheck.start();
  // Keys' and credentials' last use, noted in memory by every request, is written once a minute.
  const keyUse = new MaintenanceScheduler(
    [{ name: 'key use', run: async () => ({ changed: await services.auth.recordUse() }) }],
    logger,
    KEY_USE_INTERVAL_MS,
  );
  void keyUse.start();
  // Every replica delivers webhooks; each delivery is claimed by one of them at a time.
  services.webhookDelivery.start();
  const auth = await services.auth.bootCheck();
  if (!auth.start) throw new ConfigError([auth.reason]);
  if (auth.warning) logger.warn(auth.warning);
  const redis = await openRedis(config.rateLimit, logger);
  // Listening from boot rather than from the first client, so a client that resumes here finds what it missed.
  if (config.stream.enabled) await services.stream.listen();
  const app = createApp({ config, logger, services, redis });

  // Express 5 hands a failed listen (the port taken) to this callback: boot must fail then, not carry
  // on and announce a server nobody can reach.
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(config.port, config.host ?? '::', (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  // The port bound, which PORT=0 leaves to the system.
  const { port } = server.address() as AddressInfo;

  let stopping = false;
  // Requests that arrive on kept-alive connections while stopping are still served, but their
  // connection closes after the answer; otherwise a busy client would hold the server open forever.
  server.on('request', (_req, res) => {
    if (stopping) res.setHeader('Connection', 'close');
  });
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; dropping open connections');
      server.closeAllConnections();
      process.exit(1);
    }, config.shutdownTimeoutMs);
    // Stop accepting; requests already in progress (including those waiting for their group commit)
    // still get their answer. Only then release the database.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Streams never end by themselves, and exports only when their clients have read everything; ended
    // here, their connections close after them like any other.
    services.stream.endStreams();
    services.readingExport.endExports();
    server.closeIdleConnections();
    await closed;
    await services.ingestion.drain();
    await services.stream.close();
    // Both told to stop at once: each returns after the step it is in, whatever backlog is left.
    // Webhook attempts in flight are cut short and recorded as interrupted, due again at once elsewhere.
    await Promise.all([
      rollupSealing.stop(),
      partitionMaintenance.stop(),
      alarmCheck.stop(),
      keyUse.stop(),
      services.webhookDelivery.stop(),
    ]);
    // The uses of the last minute, which the timer has not written yet.
    await services.auth.recordUse().catch((error: unknown) => logger.warn({ err: error }, 'key use not recorded'));
    await pools.close();
    await database.close();
    await redis?.close();
    clearTimeout(deadline);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Said only once a signal would stop the service gracefully: a supervisor (or a test) that stops it
  // as soon as it reads this line must not find the default action, which kills at once.
  logger.info({ host: config.host, port, database: config.database.kind }, 'fleet platform listening');
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof EmbeddedPostgresError) {
    console.error(error.message);
  } else {
    console.error('fleet platform failed to start:', error);
  }
  process.exit(1);
});
