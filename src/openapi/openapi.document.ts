import type * as OpenApi from '../contract/openapi.types';
import { problemSchemas, problemTypesTable } from '../contract/problems';
import { pathsOf, type AnyRouteTable } from '../contract/route-table';
import { commonSchemas } from '../validation/common-schemas';
import { headers, securitySchemes } from './openapi.components';
import { operationsSection } from './operations.section';

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
\`admin\` (everything, plus writing sessions and managing devices and keys). Health, readiness, this document and
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

/** The document for the features' route tables, in their order, followed by the operational routes. */
export const assembleDocument = (tables: AnyRouteTable[]): OpenApi.Document => ({
  openapi: '3.1.0',
  info: {
    title: 'Fleet Platform API',
    version: '1',
    summary: 'Meter and vehicle telemetry, charging sessions and efficiency analytics.',
    description,
  },
  tags: [...tables.map((table) => table.tag), operationsSection.tag],
  paths: { ...pathsOf(tables), ...operationsSection.paths },
  components: {
    schemas: merged([commonSchemas, problemSchemas, ...tables.map((table) => table.schemas ?? {})]),
    headers,
    securitySchemes,
  },
});
