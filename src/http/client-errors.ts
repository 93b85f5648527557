import { ProblemError } from '../errors/problem';

/**
 * body-parser and Express's router report a client's mistake as an error carrying a 4xx `status`
 * (the http-errors convention) and, for body-parser, a `type`.
 */
interface HttpError {
  type?: unknown;
  status?: unknown;
  limit?: unknown;
  code?: unknown;
}

const unsupportedMediaType = (detail: string) =>
  new ProblemError(415, 'unsupported-media-type', 'Unsupported media type', detail);

/** The problem a request's own mistake deserves, or undefined for anything else. */
export function fromClientError(error: unknown): ProblemError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { type, status, limit, code } = error as HttpError;
  switch (type) {
    case 'entity.parse.failed':
      return new ProblemError(400, 'malformed-json', 'Malformed JSON', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new ProblemError(
        413,
        'payload-too-large',
        'Payload too large',
        `The request body exceeds the limit of ${String(limit)} bytes.`,
      );
    case 'encoding.unsupported':
      return unsupportedMediaType('The Content-Encoding is not supported; send identity, gzip, deflate or br.');
    case 'charset.unsupported':
      return unsupportedMediaType('The charset is not supported; send UTF-8.');
    case 'request.aborted':
      return new ProblemError(400, 'request-aborted', 'Request aborted', 'The client aborted the request.');
  }
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  // zlib names its failures Z_* (gzip, deflate) or ERR_* (brotli): the body does not match its Content-Encoding.
  if (typeof code === 'string' && /^(Z_|ERR_)/.test(code)) {
    return new ProblemError(
      400,
      'malformed-request',
      'Malformed request',
      'The body could not be decoded as its Content-Encoding says.',
    );
  }
  if (error instanceof URIError) {
    return new ProblemError(
      400,
      'malformed-request',
      'Malformed request',
      'The path is not valid percent-encoded UTF-8.',
    );
  }
  return new ProblemError(400, 'malformed-request', 'Malformed request', 'The request could not be read.');
}
