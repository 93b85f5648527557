import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { Level, Logger } from 'pino';
import type { Metrics } from './metrics';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

declare module 'http' {
  interface IncomingMessage {
    /** A caller's X-Request-Id when it is a sane token, else a new UUID. */
    id: string;
    /** The app's logger with the request id on every line. */
    log: Logger;
  }
}

function levelOf(status: number): Level {
  // A 503 is a deliberate answer (overload, database outage) that the error handler already logged once.
  if (status === 503) return 'warn';
  if (status >= 500) return 'error';
  return status >= 400 ? 'warn' : 'info';
}

/**
 * Request ids, the access log and request timing, with one listener per request. A child logger per
 * request, as pino-http makes one, cost more CPU than validating the reading; here `req.log` makes
 * its child on first use, which only failures do, and a line the level leaves out is never built.
 *
 * A caller's X-Request-Id is kept (when it is a sane token) so a request can be followed across
 * services, and echoed back either way. Requests are timed under their route pattern, never their raw
 * URL, to keep label values bounded.
 */
export function observeRequests(app: Express, logger: Logger, metrics: Metrics): void {
  const children = new WeakMap<Request, Logger>();
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request): Logger {
      let child = children.get(this);
      if (!child) children.set(this, (child = logger.child({ reqId: this.id })));
      return child;
    },
  });
  app.use(requestObserver(logger, metrics));
}

function requestObserver(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const started = performance.now();
    // 'close' follows 'finish' on every answered request, and also ends one the client gave up on.
    res.once('close', () => finished(req, res, performance.now() - started));
    next();
  };

  function finished(req: Request, res: Response, elapsedMs: number): void {
    const status = res.statusCode;
    if (res.writableFinished) {
      const route = routeLabel(req, status);
      metrics.httpDuration.observe({ method: req.method, route, status: String(status) }, elapsedMs / 1_000);
    }
    const level = levelOf(status);
    if (!logger.isLevelEnabled(level)) return;
    // Headers would bloat every line and could carry API keys.
    logger[level](
      {
        reqId: req.id,
        req: { id: req.id, method: req.method, url: req.originalUrl },
        res: { statusCode: status },
        responseTime: Math.round(elapsedMs),
      },
      status >= 500 ? 'request errored' : res.writableFinished ? 'request completed' : 'request aborted',
    );
  }
}

/**
 * The pattern of the route a request was for, the same whether it succeeded or failed. A success is
 * still inside its router, so its base URL and route give the full pattern. A failure has left its
 * routers (Express puts req.baseUrl back on the way to the error handler, leaving only the route's own
 * part, such as /meter), or never reached its route (a 401, a 429 or an unreadable body is answered by
 * app-level middleware first): its pattern is found by matching the path against the app's routes the
 * way the router does. A path no route takes is 'unmatched', which keeps label values bounded.
 */
function routeLabel(req: Request, status: number): string {
  // Express types the matched route as any; its path is the pattern the route was declared with.
  const matched = req.route as { path: unknown } | undefined;
  if (matched && status < 400) return `${req.baseUrl}${String(matched.path)}`;
  const path = req.originalUrl.split('?', 1)[0];
  return routePattern((req.app.router as unknown as RouterStack).stack, req.method, path, '') ?? 'unmatched';
}

// The parts of the router's layers that routing itself reads (the router package, as Express 5 uses it).
interface RouterStack {
  stack: RouterLayer[];
}
interface RouterLayer {
  match(path: string): { path: string; pattern: unknown } | false;
  route?: { path: string; _handlesMethod(method: string): boolean };
  handle: Partial<RouterStack>;
}

function routePattern(stack: RouterLayer[], method: string, path: string, prefix: string): string | undefined {
  for (const layer of stack) {
    const match = matchOf(layer, path);
    if (!match) continue;
    if (layer.route) {
      if (layer.route._handlesMethod(method)) return `${prefix}${layer.route.path}`;
      continue;
    }
    // Middleware that is not a router (authentication, rate limits, body parsing) holds no routes.
    if (!Array.isArray(layer.handle.stack)) continue;
    const mount = match.pattern === '/' ? '' : String(match.pattern);
    const found = routePattern(layer.handle.stack, method, path.slice(match.path.length) || '/', prefix + mount);
    if (found) return found;
  }
  return undefined;
}

/** A layer's match, or none when the path's parameters do not decode (the router answered 400 for those). */
function matchOf(layer: RouterLayer, path: string): ReturnType<RouterLayer['match']> {
  try {
    return layer.match(path);
  } catch {
    return false;
  }
}
