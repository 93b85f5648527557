import type * as OpenApi from './openapi.types';

interface ProblemType {
  status: number;
  title: string;
  description: string;
}

/**
 * Every `type` the API answers with, as `/problems/<slug>` (src/errors/problem.ts and
 * src/http/error-handler.ts build them). test/openapi checks this list against the problems src/
 * builds: the same slugs, statuses and titles.
 */
export const PROBLEM_TYPES = {
  'validation-error': {
    status: 400,
    title: 'Request validation failed',
    description:
      'A body, path or query value breaks a rule. `errors` names each bad field as `{path, message}` ' +
      '(batch items as `[index].field`). Nothing was stored.',
  },
  'malformed-json': {
    status: 400,
    title: 'Malformed JSON',
    description: 'The body is not parseable JSON (the parser is strict: only objects and arrays at the top level).',
  },
  'malformed-request': {
    status: 400,
    title: 'Malformed request',
    description:
      'The request could not be read: a path that is not valid percent-encoded UTF-8, or a body that does not ' +
      'decode as its `Content-Encoding` says.',
  },
  'request-aborted': {
    status: 400,
    title: 'Request aborted',
    description: 'The client closed the connection before the whole body arrived; recorded for the log, seldom seen.',
  },
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    description:
      'No API key, a malformed `Authorization` header, or a key that is unknown or revoked. ' +
      '`WWW-Authenticate` names the Bearer scheme (with `error="invalid_token"` when a key was presented).',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    description:
      'The key is valid but its role does not allow this operation (`detail` names the role needed); or the ' +
      'service has no key yet and the client is not on its own machine (`detail` says how to create the first key).',
  },
  'not-found': {
    status: 404,
    title: 'Resource not found',
    description: 'No route for the method and path, or the device or resource named in the path has never been seen.',
  },
  conflict: {
    status: 409,
    title: 'Conflict',
    description:
      'The request contradicts stored state: a charging session overlapping another of the same vehicle, or of ' +
      'another vehicle on the same meter (`conflictingSessionIds` lists those in the way).',
  },
  'not-acceptable': {
    status: 406,
    title: 'Not acceptable',
    description:
      'The `Accept` header names none of the media types the resource comes in (a reading export: ' +
      '`application/json` or `text/csv`).',
  },
  'payload-too-large': {
    status: 413,
    title: 'Payload too large',
    description: 'The body exceeds `BODY_LIMIT` (2 MB by default). Split the batch.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    description:
      'The body is not JSON (`Content-Type` other than `application/json` or `application/*+json`), ' +
      'or its `Content-Encoding` (identity, gzip, deflate, br) or charset (UTF-8) is not supported.',
  },
  'rate-limited': {
    status: 429,
    title: 'Too many requests',
    description:
      'The caller (its API key, or its IP address while the service runs without keys) spent its budget of ' +
      '`RATE_LIMIT_MAX` requests per `RATE_LIMIT_WINDOW_MS`; retry after `Retry-After` seconds.',
  },
  'internal-error': {
    status: 500,
    title: 'Internal server error',
    description: 'An unexpected failure; details are only in the server log, under the request id.',
  },
  'service-unavailable': {
    status: 503,
    title: 'Service unavailable',
    description:
      'The database is unreachable or too slow, or the write collided with concurrent database work ' +
      '(a lost deadlock, a lock timeout, a partition being attached) even when run a second time, or ' +
      '`INGEST_QUEUE_MAX` single readings are already waiting to be written. ' +
      'Nothing was stored; retry after `Retry-After` seconds (the service recovers by itself when the database returns).',
  },
} as const satisfies Record<string, ProblemType>;

export type ProblemSlug = keyof typeof PROBLEM_TYPES;

const problemUri = (slug: ProblemSlug) => `/problems/${slug}`;

const header = (name: string): OpenApi.Reference => ({ $ref: `#/components/headers/${name}` });

/** Headers some problems carry; described in `components.headers`. */
const PROBLEM_HEADERS: Partial<Record<number, Record<string, OpenApi.Reference>>> = {
  401: { 'WWW-Authenticate': header('WWWAuthenticate') },
  429: {
    'Retry-After': header('RetryAfter'),
    'RateLimit-Limit': header('RateLimitLimit'),
    'RateLimit-Remaining': header('RateLimitRemaining'),
    'RateLimit-Reset': header('RateLimitReset'),
    'RateLimit-Policy': header('RateLimitPolicy'),
  },
  503: { 'Retry-After': header('RetryAfter') },
};

function problemOfType(slug: ProblemSlug): OpenApi.Schema {
  return {
    allOf: [
      { $ref: slug === 'validation-error' ? '#/components/schemas/ValidationProblem' : '#/components/schemas/Problem' },
      {
        type: 'object',
        properties: { type: { const: problemUri(slug) }, status: { const: PROBLEM_TYPES[slug].status } },
      },
    ],
  };
}

/** A problem response whose `type` is one of `slugs`; all of them must share one status. */
export function problemResponse(description: string, ...slugs: [ProblemSlug, ...ProblemSlug[]]): OpenApi.Response {
  const status = PROBLEM_TYPES[slugs[0]].status;
  const stray = slugs.find((slug) => PROBLEM_TYPES[slug].status !== status);
  if (stray) throw new Error(`problem ${stray} is not a ${status}`);
  return {
    description,
    headers: PROBLEM_HEADERS[status],
    content: {
      'application/problem+json': {
        schema: slugs.length === 1 ? problemOfType(slugs[0]) : { anyOf: slugs.map(problemOfType) },
      },
    },
  };
}

/** The problem catalogue as a Markdown table, for the document's description. */
export function problemTypesTable(): string {
  const rows = Object.entries(PROBLEM_TYPES).map(
    ([slug, { status, title, description }]) =>
      `| \`${problemUri(slug as ProblemSlug)}\` | ${status} | ${title} | ${description} |`,
  );
  return ['| type | status | title | when |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export const problemSchemas: Record<string, OpenApi.Schema> = {
  Problem: {
    type: 'object',
    description:
      'An RFC 9457 problem (`application/problem+json`); `type` is one of the problem types listed in the ' +
      'description above. Further extension members may be added.',
    required: ['type', 'title', 'status', 'detail', 'instance'],
    properties: {
      type: {
        type: 'string',
        format: 'uri-reference',
        enum: Object.keys(PROBLEM_TYPES).map((slug) => problemUri(slug as ProblemSlug)),
      },
      title: { type: 'string', description: 'Fixed per type.' },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string', description: 'What went wrong with this request, in words.' },
      instance: { type: 'string', format: 'uri-reference', description: 'The request path and query.' },
    },
  },
  ValidationProblem: {
    description: 'A `validation-error` problem.',
    allOf: [
      { $ref: '#/components/schemas/Problem' },
      {
        type: 'object',
        required: ['errors'],
        properties: { errors: { type: 'array', minItems: 1, items: { $ref: '#/components/schemas/FieldError' } } },
      },
    ],
  },
  FieldError: {
    type: 'object',
    required: ['path', 'message'],
    additionalProperties: false,
    properties: {
      path: {
        type: 'string',
        description: 'The field, dotted; empty for the body as a whole.',
        examples: ['soc', '[2].timestamp'],
      },
      message: { type: 'string', examples: ['soc must not be greater than 100'] },
    },
  },
};
