import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { AppConfig } from './config/config';
import { createLogger } from './logger';
import type { Pools } from './db/pools';
import { createMetrics, observePools, observeStreamClients, type Metrics } from './observability/metrics';
import { AlarmCheck } from './alarms/alarm-check.service';
import { AlarmConditionRepository } from './alarms/alarm-conditions.repository';
import { AlarmRepository } from './alarms/alarms.repository';
import { AlarmService } from './alarms/alarms.service';
import { AnalyticsRepository } from './analytics/analytics.repository';
import { AnalyticsService, judgedBy } from './analytics/analytics.service';
import { MeterEfficiencyRepository } from './analytics/meter-efficiency.repository';
import { MeterEfficiencyService } from './analytics/meter-efficiency.service';
import { RollupRepository } from './analytics/rollup.repository';
import { RollupService } from './analytics/rollup.service';
import { SeriesRepository } from './analytics/series.repository';
import { SeriesService } from './analytics/series.service';
import { DeviceCredentialRepository } from './auth/device-credentials.repository';
import { CredentialUseRepository } from './auth/credential-use.repository';
import { DeviceImportRepository } from './auth/device-import.repository';
import { DeviceImportService } from './auth/device-import.service';
import { AuthRepository } from './auth/auth.repository';
import { AuthService } from './auth/auth.service';
import { DeviceRepository } from './devices/devices.repository';
import { DeviceService } from './devices/devices.service';
import { ChargingSessionRepository } from './charging-sessions/charging-sessions.repository';
import { ChargingSessionService } from './charging-sessions/charging-sessions.service';
import { ExportRepository } from './export/export.repository';
import { ExportService } from './export/export.service';
import { IngestionRepository } from './ingestion/ingestion.repository';
import { RegisterRepository } from './ingestion/register.repository';
import { IngestionService } from './ingestion/ingestion.service';
import { LiveRepository } from './live/live.repository';
import { LiveService } from './live/live.service';
import { PartitionRepository } from './partitions/partition.repository';
import { PartitionService } from './partitions/partition.service';
import { StreamRepository } from './stream/stream.repository';
import { StreamService } from './stream/stream.service';
import { WebhookDeliveryRepository } from './webhooks/webhook-delivery.repository';
import { WebhookDeliverer } from './webhooks/webhook-delivery.service';
import { WebhookRepository } from './webhooks/webhooks.repository';
import { WebhookService } from './webhooks/webhooks.service';

/** API keys over the ingestion pool: every request's caller is looked up there. */
/** `maintenance`: where key uses are recorded, away from the pool the keys are read from. */
export function buildAuth(dataSource: DataSource, config: AppConfig, maintenance = dataSource): AuthService {
  const { lockTimeoutMs } = config.db;
  return new AuthService(
    new AuthRepository(dataSource, lockTimeoutMs),
    new DeviceCredentialRepository(dataSource, lockTimeoutMs),
    new CredentialUseRepository(maintenance, lockTimeoutMs),
    {
      nodeEnv: config.nodeEnv,
      disabled: config.auth.disabled,
      keyCacheMs: config.auth.keyCacheMs,
      deviceRegistry: config.auth.deviceRegistry,
    },
  );
}

/** On the pool of readers, as the registry's other writes: onboarding is operators' work. */
export function buildDeviceImport(dataSource: DataSource, config: AppConfig, auth: AuthService): DeviceImportService {
  return new DeviceImportService(new DeviceImportRepository(dataSource, config.db.lockTimeoutMs), () =>
    auth.accessChanged(),
  );
}

/**
 * The wiring of repositories into services, shared by the server and the tests. Each repository gets
 * the pool of its kind of work (src/db/pools.ts): what readings need stays on `ingest`.
 */
export function buildServices(
  pools: Pools,
  config: AppConfig,
  metrics: Metrics = createMetrics(),
  logger: Logger = createLogger(config),
) {
  const { ingest, reads, exports, stream: streamPool, maintenance } = pools;
  observePools(metrics, { ingest, reads, exports, stream: streamPool, maintenance });
  const analytics = new AnalyticsService(new AnalyticsRepository(pools.reads), config.analytics);
  const meters = new MeterEfficiencyService(new MeterEfficiencyRepository(pools.reads), judgedBy(config.analytics));
  const auth = buildAuth(pools.ingest, config, pools.maintenance);
  const stream = new StreamService(
    new StreamRepository(pools.stream, config.db.lockTimeoutMs),
    analytics,
    { ...config.stream, efficiencyAlertThreshold: config.analytics.efficiencyAlertThreshold },
    logger,
  );
  observeStreamClients(metrics, () => stream.clientCount);
  // On the maintenance pool: a receiver never holds a reading's or a reader's connection. Started by src/server.ts.
  const webhookDelivery = new WebhookDeliverer(
    new WebhookDeliveryRepository(pools.maintenance, config.db.lockTimeoutMs, config.webhooks.retryHours),
    config.webhooks,
    metrics,
    logger,
  );
  // Turned off, ingestion runs exactly as without a stream: no hook, no extra statement.
  const ingestionRepository = new IngestionRepository(
    pools.ingest,
    config.stream.enabled ? stream.announceReadings : undefined,
    new RegisterRepository(config.ingestion.registers, config.analytics.readingIntervalSeconds),
    (type, events) => events.forEach((count, event) => metrics.registerEvents.inc({ type, event }, count)),
  );
  return {
    pools,
    metrics,
    ingestion: new IngestionService(ingestionRepository, {
      groupCommitMs: config.ingestion.groupCommitMs,
      groupCommitMax: config.ingestion.groupCommitMax,
      // Half the pool, so batches, sessions and key lookups still find connections under a flood of single readings.
      groupCommitConcurrency: Math.max(1, Math.floor(config.db.poolMax / 2)),
      queueMax: config.ingestion.queueMax,
      metrics,
    }),
    live: new LiveService(new LiveRepository(pools.reads)),
    devices: new DeviceService(new DeviceRepository(pools.reads, config.db.lockTimeoutMs), () => auth.accessChanged()),
    deviceImport: buildDeviceImport(pools.reads, config, auth),
    partitions: new PartitionService(
      new PartitionRepository(pools.maintenance, config.db.lockTimeoutMs),
      config.partitions,
    ),
    chargingSessions: new ChargingSessionService(new ChargingSessionRepository(pools.ingest, pools.reads), {
      closed: (session) => stream.sessionClosed(session),
    }),
    analytics,
    meters,
    stream,
    alarms: new AlarmService(new AlarmRepository(pools.reads, config.db.lockTimeoutMs), () =>
      webhookDelivery.deliverSoon(),
    ),
    // Judged on the maintenance pool, analytics included: a check never takes a reader's connection.
    alarmCheck: new AlarmCheck(
      new AlarmConditionRepository(maintenance),
      new AlarmRepository(maintenance, config.db.lockTimeoutMs),
      new AnalyticsService(new AnalyticsRepository(maintenance), config.analytics),
      new MeterEfficiencyService(new MeterEfficiencyRepository(maintenance), judgedBy(config.analytics)),
      {
        sessions: config.alarms.lowEfficiencySessions,
        threshold: config.analytics.efficiencyAlertThreshold,
        clearMargin: config.alarms.clearMargin,
        minCoverage: config.analytics.minCoverage,
        readingIntervalSeconds: config.analytics.readingIntervalSeconds,
        silentAfterSeconds: config.alarms.silentAfterSeconds,
      },
      metrics,
      () => webhookDelivery.deliverSoon(),
    ),
    webhooks: new WebhookService(new WebhookRepository(pools.reads, config.db.lockTimeoutMs), config.webhooks, () =>
      webhookDelivery.deliverSoon(),
    ),
    webhookDelivery,
    series: new SeriesService(new SeriesRepository(pools.reads, config.analytics.readingIntervalSeconds)),
    rollups: new RollupService(new RollupRepository(pools.maintenance, config.db.lockTimeoutMs), metrics),
    readingExport: new ExportService(
      new ExportRepository(pools.reads, pools.exports),
      new SeriesRepository(pools.reads, config.analytics.readingIntervalSeconds),
      config.readingExport,
    ),
    auth,
  };
}

export type Services = ReturnType<typeof buildServices>;
