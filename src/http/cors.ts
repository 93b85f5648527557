import cors from 'cors';
import type { RequestHandler } from 'express';

/** Every header a browser client of this API may need to send; Last-Event-ID for resuming the stream. */
const ALLOWED_HEADERS = ['Authorization', 'X-API-Key', 'Content-Type', 'Content-Encoding', 'Last-Event-ID'];
/** What a script may read beyond the CORS-safelisted response headers. */
const EXPOSED_HEADERS = [
  'Location',
  'Retry-After',
  'X-Request-Id',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'RateLimit-Policy',
];

/**
 * CORS for exactly the configured origins; undefined (no CORS at all) when there are none. A preflight
 * from an allowed origin is answered here, before authentication, since browsers never send it a key.
 * Requests from other origins pass on without CORS headers, so the browser refuses them. Keys travel
 * in headers, never in cookies, so credentials stay off.
 */
export function corsPolicy(origins: string[]): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  const allowed = new Set(origins);
  const handle = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  return (req, res, next) => {
    // The answer depends on the Origin either way, so a shared cache must not serve one origin's to another.
    res.vary('Origin');
    handle(req, res, next);
  };
}
