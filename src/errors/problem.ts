/** A field-level validation message, as listed in a problem body's `errors` array. */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * Base of every error the API reports on purpose. The error middleware turns it into an RFC 9457
 * problem body; anything else becomes a 500 without details.
 */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }

  get type(): string {
    return `/problems/${this.slug}`;
  }
}

export class ValidationError extends ProblemError {
  constructor(detail: string, errors: FieldError[], extensions: Record<string, unknown> = {}) {
    super(400, 'validation-error', 'Request validation failed', detail, { errors, ...extensions });
  }
}

export class NotFoundError extends ProblemError {
  constructor(detail: string) {
    super(404, 'not-found', 'Resource not found', detail);
  }
}

export class ConflictError extends ProblemError {
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(409, 'conflict', 'Conflict', detail, extensions);
  }
}

/** The client accepts none of the media types the resource comes in. */
export class NotAcceptableError extends ProblemError {
  constructor(detail: string) {
    super(406, 'not-acceptable', 'Not acceptable', detail);
  }
}

export class UnsupportedMediaTypeError extends ProblemError {
  constructor(detail: string) {
    super(415, 'unsupported-media-type', 'Unsupported media type', detail);
  }
}

export class ServiceUnavailableError extends ProblemError {
  constructor(detail: string, retryAfterSeconds = 5) {
    super(503, 'service-unavailable', 'Service unavailable', detail, {}, { 'Retry-After': String(retryAfterSeconds) });
  }
}

/** RFC 6750: a 401 names the scheme and realm, and says when the presented token was the problem. */
export class UnauthorizedError extends ProblemError {
  constructor(detail: string, invalidToken: boolean) {
    const challenge = `Bearer realm="fleet-platform"${invalidToken ? ', error="invalid_token"' : ''}`;
    super(401, 'unauthorized', 'Unauthorized', detail, {}, { 'WWW-Authenticate': challenge });
  }
}

export class ForbiddenError extends ProblemError {
  constructor(detail: string) {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class TooManyRequestsError extends ProblemError {
  constructor(detail: string, retryAfterSeconds: number) {
    super(429, 'rate-limited', 'Too many requests', detail, {}, { 'Retry-After': String(retryAfterSeconds) });
  }
}
