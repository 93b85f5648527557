import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { AppConfig } from './config/config';
import { createLogger } from './logger';
import { createMetrics, observePool, type Metrics } from './observability/metrics';
import { AnalyticsRepository } from './analytics/analytics.repository';
import { AnalyticsService } from './analytics/analytics.service';
import { RollupRepository } from './analytics/rollup.repository';
import { RollupService } from './analytics/rollup.service';
import { SeriesRepository } from './analytics/series.repository';
import { SeriesService } from './analytics/series.service';
import { AuthRepository } from './auth/auth.repository';
import { AuthService } from './auth/auth.service';
import { ChargingSessionRepository } from './charging-sessions/charging-session.repository';
import { ChargingSessionService } from './charging-sessions/charging-session.service';
import { ExportRepository } from './export/export.repository';
import { ExportService } from './export/export.service';
import { IngestionRepository } from './ingestion/ingestion.repository';
import { IngestionService } from './ingestion/ingestion.service';
import { LiveRepository } from './live/live.repository';
import { LiveService } from './live/live.service';
import { PartitionRepository } from './partitions/partition.repository';
import { PartitionService } from './partitions/partition.service';
import { StreamRepository } from './stream/stream.repository';
import { StreamService } from './stream/stream.service';

/** The wiring of repositories into services, shared by the server and the tests. */
export function buildServices(
  dataSource: DataSource,
  config: AppConfig,
  metrics: Metrics = createMetrics(),
  logger: Logger = createLogger(config),
) {
  observePool(metrics, dataSource);
  const analytics = new AnalyticsService(new AnalyticsRepository(dataSource), config.analytics);
  const stream = new StreamService(
    new StreamRepository(dataSource),
    analytics,
    { ...config.stream, efficiencyAlertThreshold: config.analytics.efficiencyAlertThreshold },
    logger,
  );
  // Turned off, ingestion runs exactly as without a stream: no hook, no extra statement.
  const ingestionRepository = new IngestionRepository(
    dataSource,
    config.stream.enabled ? stream.announceReadings : undefined,
  );
  return {
    dataSource,
    metrics,
    ingestion: new IngestionService(ingestionRepository, {
      groupCommitMs: config.ingestion.groupCommitMs,
      groupCommitMax: config.ingestion.groupCommitMax,
      // Half the pool, so batches and reads still find connections under a flood of single readings.
      groupCommitConcurrency: Math.max(1, Math.floor(config.db.poolMax / 2)),
      queueMax: config.ingestion.queueMax,
      metrics,
    }),
    live: new LiveService(new LiveRepository(dataSource)),
    partitions: new PartitionService(new PartitionRepository(dataSource), config.partitions),
    chargingSessions: new ChargingSessionService(new ChargingSessionRepository(dataSource), {
      closed: (session) => stream.sessionClosed(session),
    }),
    analytics,
    stream,
    series: new SeriesService(new SeriesRepository(dataSource)),
    rollups: new RollupService(new RollupRepository(dataSource), metrics),
    readingExport: new ExportService(
      new ExportRepository(dataSource),
      new SeriesRepository(dataSource),
      config.readingExport,
    ),
    auth: new AuthService(new AuthRepository(dataSource), {
      nodeEnv: config.nodeEnv,
      disabled: config.auth.disabled,
      keyCacheMs: config.auth.keyCacheMs,
    }),
  };
}

export type Services = ReturnType<typeof buildServices>;
