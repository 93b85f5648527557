import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { openApiDocument, ROUTE_TABLES } from './api';
import type { AppConfig } from './config/config';
import { authenticate, roleGuard } from './auth/auth.middleware';
import { dashboardRouter } from './dashboard/dashboard.router';
import { corsPolicy } from './http/cors';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { JSON_TYPES } from './http/require-json';
import { mountRouteTables } from './http/route-router';
import { healthRouter } from './health/health.router';
import { observeRequests } from './observability/http-observability';
import { metricsRouter } from './observability/metrics.router';
import { openApiRouter } from './openapi/openapi.router';
import { rateLimiter } from './rate-limit/rate-limit.middleware';
import type { RedisConnection } from './rate-limit/rate-limit.redis';
import type { Services } from './services';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

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
  observeRequests(app, logger, services.metrics);
  const cors = corsPolicy(config.cors.origins);
  if (cors) app.use(cors);
  // The caller is identified and counted once per /v1 request, before any body is read; each route
  // then names the role it needs beside its path, in its feature's route table.
  const identify = authenticate(services.auth, services.metrics);
  const requireRole = roleGuard(services.metrics);
  app.use('/v1', identify, rateLimiter(config.rateLimit, redis, logger));
  if (config.auth.metricsAuth) app.use('/metrics', identify, requireRole('read'));
  // Only methods that carry a body get one parsed; a body sent with GET or DELETE is ignored, whatever it holds.
  const parseJson = express.json({ limit: config.ingestion.bodyLimit, strict: true, type: JSON_TYPES });
  app.use((req, res, next) => (BODY_METHODS.has(req.method) ? parseJson(req, res, next) : next()));

  mountRouteTables(
    app,
    ROUTE_TABLES,
    {
      ingestion: {
        service: services.ingestion,
        options: {
          maxClockSkewSeconds: config.ingestion.maxClockSkewSeconds,
          maxReadingKwh: config.ingestion.maxReadingKwh,
          retention: config.partitions.retention,
          batchMaxItems: config.ingestion.batchMaxItems,
        },
      },
      live: services.live,
      export: services.readingExport,
      stream: { service: services.stream, keepAliveMs: config.stream.keepAliveMs },
      chargingSessions: services.chargingSessions,
      analytics: { analytics: services.analytics, meters: services.meters, series: services.series },
      alarms: services.alarms,
      webhooks: services.webhooks,
      devices: services.devices,
      deviceCredentials: { auth: services.auth, imports: services.deviceImport },
      apiKeys: services.auth,
    },
    requireRole,
  );
  // After /v1, which nearly every request is (readings); a request steps through every router mounted before its own.
  app.use(healthRouter(services.pools.ingest));
  app.use(openApiRouter(openApiDocument));
  app.use(dashboardRouter());
  app.use(metricsRouter(services.metrics));

  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
