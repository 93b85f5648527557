import { alarmRoutes } from './alarms/alarms.routes';
import { analyticsRoutes } from './analytics/analytics.routes';
import { apiKeyRoutes } from './auth/auth.routes';
import { deviceCredentialRoutes } from './auth/device-credentials.routes';
import { chargingSessionRoutes } from './charging-sessions/charging-sessions.routes';
import { deviceRoutes } from './devices/devices.routes';
import { exportRoutes } from './export/export.routes';
import { ingestionRoutes } from './ingestion/ingestion.routes';
import { liveRoutes } from './live/live.routes';
import { assembleDocument } from './openapi/openapi.document';
import { streamRoutes } from './stream/stream.routes';
import { webhookRoutes } from './webhooks/webhooks.routes';

/**
 * Every feature's /v1 route table, in the order the app tries them: readings first, since nearly every
 * request is one. src/app.ts mounts them, each with what its handlers need; the document is generated from them.
 */
export const ROUTE_TABLES = {
  ingestion: ingestionRoutes,
  live: liveRoutes,
  export: exportRoutes,
  stream: streamRoutes,
  chargingSessions: chargingSessionRoutes,
  analytics: analyticsRoutes,
  alarms: alarmRoutes,
  webhooks: webhookRoutes,
  devices: deviceRoutes,
  deviceCredentials: deviceCredentialRoutes,
  apiKeys: apiKeyRoutes,
};

export const openApiDocument = assembleDocument(Object.values(ROUTE_TABLES));
