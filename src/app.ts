import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { AppConfig } from './config/config';
import { analyticsRouter } from './analytics/analytics.router';
import { chargingSessionRouter } from './charging-sessions/charging-session.router';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { JSON_TYPES } from './http/require-json';
import { healthRouter } from './health/health.router';
import { ingestionRouter } from './ingestion/ingestion.router';
import { liveRouter } from './live/live.router';
import { requestLogger, requestTimer } from './observability/http-observability';
import { metricsRouter } from './observability/metrics.router';
import type { Services } from './services';

export interface AppDeps {
  config: AppConfig;
  logger: Logger;
  services: Services;
}

/** Builds the HTTP app; listening, connecting and shutting down belong to src/server.ts. */
export function createApp({ config, logger, services }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet());
  app.use(requestLogger(logger));
  app.use(requestTimer(services.metrics));
  app.use(express.json({ limit: config.ingestion.bodyLimit, strict: true, type: JSON_TYPES }));

  app.use(healthRouter(services.dataSource));
  app.use(metricsRouter(services.metrics));
  app.use(
    '/v1/ingestion',
    ingestionRouter(services.ingestion, {
      maxClockSkewSeconds: config.ingestion.maxClockSkewSeconds,
      batchMaxItems: config.ingestion.batchMaxItems,
      metrics: services.metrics,
    }),
  );
  app.use('/v1', liveRouter(services.live));
  app.use('/v1/charging-sessions', chargingSessionRouter(services.chargingSessions));
  app.use('/v1/analytics', analyticsRouter(services.analytics));

  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
