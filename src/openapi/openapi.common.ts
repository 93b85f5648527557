import type { Role } from '../entities/api-key.entity';
import { ID_MAX_LENGTH, ID_PATTERN, ID_RULE } from '../validation/rules';
import { RFC3339 } from '../validation/timestamp';
import { problemResponse } from './openapi.problems';
import type * as OpenApi from './openapi.types';

/** Building blocks the sections share: references, bodies, failure sets, guards and common schemas. */

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const jsonResponse = (description: string, schema: OpenApi.Schema): OpenApi.Response => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = (description: string, schema: OpenApi.Schema): OpenApi.RequestBody => ({
  required: true,
  description,
  content: { 'application/json': { schema } },
});

export const pathParam = (name: string, description: string, schema: OpenApi.Schema): OpenApi.Parameter => ({
  name,
  in: 'path',
  required: true,
  description,
  schema,
});

/** Any handler can fail unexpectedly. */
export const unexpectedFailure = { 500: problemResponse('Unexpected failure.', 'internal-error') };

/** Handlers that query the database answer 503 rather than 500 or a hang when it is down. */
export const databaseFailures = {
  ...unexpectedFailure,
  503: problemResponse('The database is unavailable; retry after `Retry-After` seconds.', 'service-unavailable'),
};

/** What the JSON body parser and the media-type check refuse before a handler runs. */
export const bodyFailures = {
  400: problemResponse(
    'The body breaks the rules or is not JSON; nothing was changed.',
    'validation-error',
    'malformed-json',
    'request-aborted',
  ),
  413: problemResponse('The body exceeds `BODY_LIMIT`.', 'payload-too-large'),
  415: problemResponse('The body is not JSON, or in an unsupported encoding.', 'unsupported-media-type'),
};

const refused = {
  401: problemResponse('No API key, or not a valid one.', 'unauthorized'),
  403: problemResponse('The key is valid, but its role may not do this.', 'forbidden'),
};

/** Every /v1 operation: a key with `role` (an admin key may do anything), counted against the key's rate-limit budget. */
export function guarded(role: Role, operation: OpenApi.Operation): OpenApi.Operation {
  return {
    ...operation,
    description:
      `${operation.description ?? ''}\n\nNeeds an API key with role \`${role}\`${role === 'admin' ? '' : ' (or `admin`)'}.`.trim(),
    security: [{ bearerAuth: [role] }, { apiKeyHeader: [role] }],
    responses: {
      ...operation.responses,
      ...refused,
      429: problemResponse('The caller spent its rate-limit budget.', 'rate-limited'),
    },
  };
}

/** /metrics: open unless METRICS_AUTH=true, and then behind a `read` key; never rate limited. */
export function optionallyGuarded(operation: OpenApi.Operation): OpenApi.Operation {
  return {
    ...operation,
    security: [{}, { bearerAuth: ['read'] }, { apiKeyHeader: ['read'] }],
    responses: { ...operation.responses, ...refused },
  };
}

export const securitySchemes: Record<string, OpenApi.SecurityScheme> = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description: '`Authorization: Bearer <key>`, a key from `npm run keys -- create` or `POST /v1/api-keys`.',
  },
  apiKeyHeader: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'The same key in `X-API-Key`, for clients that cannot set `Authorization`.',
  },
};

const integerHeader = (description: string): OpenApi.Header => ({
  description,
  schema: { type: 'integer', minimum: 0 },
});

export const headers: Record<string, OpenApi.Header> = {
  RetryAfter: integerHeader('Seconds to wait before retrying.'),
  WWWAuthenticate: {
    description: 'RFC 6750 challenge, e.g. `Bearer realm="fleet-platform", error="invalid_token"`.',
    schema: { type: 'string' },
  },
  RateLimitLimit: integerHeader('Requests allowed per window (IETF draft 6 `RateLimit-Limit`).'),
  RateLimitRemaining: integerHeader('Requests left in the current window.'),
  RateLimitReset: integerHeader('Seconds until the window resets.'),
  RateLimitPolicy: { description: 'The policy, e.g. `6000;w=60`.', schema: { type: 'string' } },
};

export const commonSchemas: Record<string, OpenApi.Schema> = {
  DeviceId: {
    type: 'string',
    minLength: 1,
    maxLength: ID_MAX_LENGTH,
    pattern: ID_PATTERN.source,
    description: `A meter or vehicle id: ${ID_RULE}.`,
    examples: ['METER-001'],
  },
  ZonedTimestamp: {
    type: 'string',
    format: 'date-time',
    pattern: RFC3339.source,
    description:
      'RFC 3339: `YYYY-MM-DDTHH:MM:SS`, an optional `.` fraction, then `Z` or `±HH:MM`; a real calendar date and ' +
      'time (no 24:00, no second 60), from 2000-01-01 to the end of year 9999 UTC. ISO 8601 week, ordinal and ' +
      'basic forms, comma fractions and hour-only offsets are refused. Kept to the millisecond.',
    examples: ['2026-02-09T10:00:00Z'],
  },
  Instant: {
    type: 'string',
    format: 'date-time',
    description: 'UTC, to the millisecond.',
    examples: ['2026-02-09T10:00:00.000Z'],
  },
  Uuid: { type: 'string', format: 'uuid' },
};
