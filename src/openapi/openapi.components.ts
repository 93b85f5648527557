import type * as OpenApi from '../contract/openapi.types';

/** The document's shared components besides schemas: how a key is sent, and the headers problems carry. */

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
