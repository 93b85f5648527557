import type * as OpenApi from '../contract/openapi.types';
import { databaseFailures, jsonResponse, optionallyGuarded, unexpectedFailure } from '../contract/operations';
import { problemResponse } from '../contract/problems';

/** The routes outside /v1: open (or, for /metrics, optionally guarded), mounted by src/app.ts itself. */

const status = (value: string): OpenApi.Schema => ({
  type: 'object',
  required: ['status'],
  additionalProperties: false,
  properties: { status: { const: value } },
});

const open = { tags: ['operations'], security: [] };

export const operationsSection: OpenApi.Section = {
  tag: {
    name: 'operations',
    description: 'Health, readiness, metrics, this documentation and the dashboard; no rate limit.',
  },
  paths: {
    '/healthz': {
      get: {
        ...open,
        summary: 'Liveness',
        description: 'Answers 200 while the process runs; touches nothing else.',
        responses: { 200: jsonResponse('The process is up.', status('ok')), ...unexpectedFailure },
      },
    },
    '/readyz': {
      get: {
        ...open,
        summary: 'Readiness',
        description: 'Answers 200 when the database answers within 2 s.',
        responses: { 200: jsonResponse('Ready to serve.', status('ready')), ...databaseFailures },
      },
    },
    '/metrics': {
      get: optionallyGuarded({
        tags: ['operations'],
        summary: 'Prometheus metrics',
        description:
          'Prometheus text exposition: HTTP request durations by route and status, readings by type and ' +
          'outcome, group-commit sizes, database pool usage and process metrics. Open by default; with ' +
          '`METRICS_AUTH=true` it needs a key with role `read` (or `admin`).',
        responses: {
          200: { description: 'The current metrics.', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...unexpectedFailure,
        },
      }),
    },
    '/openapi.json': {
      get: {
        ...open,
        summary: 'This document',
        responses: {
          200: jsonResponse('The OpenAPI 3.1 document.', { type: 'object', required: ['openapi', 'info', 'paths'] }),
          ...unexpectedFailure,
        },
      },
    },
    '/docs': {
      get: {
        ...open,
        summary: 'Interactive documentation',
        description: 'Swagger UI over this document. `/docs` redirects to `/docs/`, which serves the page.',
        responses: {
          200: { description: 'The Swagger UI page.', content: { 'text/html': { schema: { type: 'string' } } } },
          301: {
            description: 'To `/docs/`, so that the page finds its scripts and styles.',
            headers: { Location: { schema: { type: 'string', const: '/docs/' } } },
          },
          ...unexpectedFailure,
        },
      },
    },
    '/': {
      get: {
        ...open,
        summary: 'To the dashboard',
        responses: {
          302: {
            description: 'To `/dashboard`.',
            headers: { Location: { schema: { type: 'string', const: '/dashboard' } } },
          },
          ...unexpectedFailure,
        },
      },
    },
    '/dashboard': {
      get: {
        ...open,
        summary: 'Fleet dashboard',
        description:
          'The page and its assets (under `/dashboard/`) are open; the figures come from `/v1`, so the page asks ' +
          'for a `read` key once the service has keys.',
        responses: {
          200: { description: 'The dashboard page.', content: { 'text/html': { schema: { type: 'string' } } } },
          503: problemResponse('The dashboard has not been built (`npm run build`).', 'service-unavailable'),
          ...unexpectedFailure,
        },
      },
    },
  },
};
