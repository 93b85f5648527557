import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { AppConfig } from './config/config';
import { analyticsRouter } from './analytics/analytics.router';
import { authenticate, requireRole } from './auth/auth.middleware';
import { authRouter } from './auth/auth.router';
import { chargingSessionRouter } from './charging-sessions/charging-session.router';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { JSON_TYPES } from './http/require-json';
import { healthRouter } from './health/health.router';
import { ingestionRouter } from './ingestion/ingestion.router';
import { liveRouter } from './live/live.router';
import { requestLogger, requestTimer } from './observability/http-observability';
import { metricsRouter } from './observability/metrics.router';
import { openApiRouter } from './openapi/openapi.router';
import { rateLimiter } from './rate-limit/rate-limit.middleware';
import type { RedisConnection } from './rate-limit/rate-limit.redis';
import type { Services } from './services';

export interface AppDeps {
  config: AppConfig;
  logger: Logger;
  services: Services;
  /** Shares the rate-limit budget with other replicas; without it each process counts on its own. */
  redis?: RedisConnection;
}

/** Builds the HTTP app; listening, connecting and shutting down belong to src/server.ts. */
export function createApp({ config, logger, services, redis }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet());
  app.use(requestLogger(logger));
  app.use(requestTimer(services.metrics));
  // Who may call what: the caller is identified and counted once per /v1 request, then each route
  // group names the role it needs. This runs before body parsing, so a refused body is never read.
  const identify = authenticate(services.auth);
  app.use('/v1', identify, rateLimiter(config.rateLimit, redis, logger));
  app.use('/v1/ingestion', requireRole('ingest'));
  app.use(['/v1/meters', '/v1/vehicles', '/v1/analytics'], requireRole('read'));
  app.use('/v1/charging-sessions', requireRole({ read: 'read', write: 'admin' }));
  app.use('/v1/api-keys', requireRole('admin'));
  if (config.auth.metricsAuth) app.use('/metrics', identify, requireRole('read'));
  app.use(express.json({ limit: config.ingestion.bodyLimit, strict: true, type: JSON_TYPES }));

  app.use(healthRouter(services.dataSource));
  app.use(openApiRouter());
  app.use(metricsRouter(services.metrics));
  app.use(
    '/v1/ingestion',
    ingestionRouter(services.ingestion, {
      maxClockSkewSeconds: config.ingestion.maxClockSkewSeconds,
      maxReadingKwh: config.ingestion.maxReadingKwh,
      retention: config.partitions.retention,
      batchMaxItems: config.ingestion.batchMaxItems,
      metrics: services.metrics,
    }),
  );
  app.use('/v1', liveRouter(services.live));
  app.use('/v1/charging-sessions', chargingSessionRouter(services.chargingSessions));
  app.use('/v1/analytics', analyticsRouter(services.analytics));
  app.use('/v1/api-keys', authRouter(services.auth));

  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
