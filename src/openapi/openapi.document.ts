import { commonSchemas, headers, securitySchemes } from './openapi.common';
import { problemSchemas, problemTypesTable } from './openapi.problems';
import type * as OpenApi from './openapi.types';
import { analyticsSection } from './sections/analytics.section';
import { apiKeysSection } from './sections/api-keys.section';
import { chargingSessionsSection } from './sections/charging-sessions.section';
import { exportSection } from './sections/export.section';
import { ingestionSection } from './sections/ingestion.section';
import { liveSection } from './sections/live.section';
import { operationsSection } from './sections/operations.section';
import { streamSection } from './sections/stream.section';

const sections = [
  ingestionSection,
  liveSection,
  exportSection,
  streamSection,
  chargingSessionsSection,
  analyticsSection,
  apiKeysSection,
  operationsSection,
];

/** The records' entries in one record; a later record's entry wins, as with Object.assign. */
function merged<T>(records: Array<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(records.flatMap((record) => Object.entries(record)));
}

const description = `
Telemetry ingestion from smart meters (AC energy drawn from the grid) and electric vehicles (DC energy
that reached the battery), the current status of each device, charging sessions and energy-efficiency
analytics.

All bodies are JSON. A 2xx answer to a write means the data is committed. Every response carries an
\`X-Request-Id\` header (the caller's own when it sends a sane one), which the server log repeats.

## API keys and roles

Every \`/v1\` route needs an API key, sent as \`Authorization: Bearer <key>\` or \`X-API-Key: <key>\`.
A key has one role: \`ingest\` (post readings), \`read\` (live status, analytics, listing sessions) or
\`admin\` (everything, plus writing sessions and managing keys). Health, readiness, this document and
\`/docs\` are open; \`/metrics\` is open unless \`METRICS_AUTH=true\`. A development service with no key
yet runs open, and so does one started with \`AUTH_DISABLED=true\`.

## Rate limits

Each key (each client IP while the service runs open) may send \`RATE_LIMIT_MAX\` \`/v1\` requests per
\`RATE_LIMIT_WINDOW_MS\`; a batch counts as one. \`/v1\` responses carry \`RateLimit-Limit\`,
\`RateLimit-Remaining\`, \`RateLimit-Reset\` and \`RateLimit-Policy\`; past the budget the answer is a
429 problem with \`Retry-After\`.

## Problems

Every error is an RFC 9457 \`application/problem+json\` body with \`type\`, \`title\`, \`status\`,
\`detail\` and \`instance\`. The types:

${problemTypesTable()}
`.trim();

export const openApiDocument: OpenApi.Document = {
  openapi: '3.1.0',
  info: {
    title: 'Fleet Platform API',
    version: '1',
    summary: 'Meter and vehicle telemetry, charging sessions and efficiency analytics.',
    description,
  },
  tags: sections.map((section) => section.tag),
  paths: merged(sections.map((section) => section.paths)),
  components: {
    schemas: merged([commonSchemas, problemSchemas, ...sections.map((section) => section.schemas ?? {})]),
    headers,
    securitySchemes,
  },
};
