import type { Role } from '../entities/api-key.entity';
import type * as OpenApi from './openapi.types';
import { problemResponse } from './problems';

/** Building blocks the route tables share: bodies, parameters, failure sets and the role guard's answers. */

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
  403: problemResponse(
    'The key is valid, but its role may not do this; or, writing readings, the device is outside its scope, not ' +
      'registered (with DEVICE_REGISTRY=required) or decommissioned.',
    'forbidden',
  ),
};

/**
 * Every /v1 operation: a key with `role` (an admin key may do anything), counted against the key's rate-limit
 * budget. An operation that can be refused with 429 for a reason of its own describes its 429 itself.
 */
export function guarded(role: Role, scopedCallers: boolean, operation: OpenApi.Operation): OpenApi.Operation {
  const needs = `Needs an API key with role \`${role}\`${role === 'admin' ? '' : ' (or `admin`)'}`;
  const orScoped = scopedCallers ? ', or a gateway key or device credential whose scope holds the meter' : '';
  return {
    ...operation,
    description: `${operation.description ?? ''}\n\n${needs}${orScoped}.`.trim(),
    security: [{ bearerAuth: [role] }, { apiKeyHeader: [role] }],
    responses: {
      ...operation.responses,
      ...refused,
      ...(scopedCallers && {
        403: problemResponse(
          "The key's role may not do this, or it is scoped to devices and the meter is not one of them (or the vehicle is not a registered, active one).",
          'forbidden',
        ),
      }),
      429: operation.responses[429] ?? problemResponse('The caller spent its rate-limit budget.', 'rate-limited'),
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
