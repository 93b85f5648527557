import { BlockList, isIPv4, type Socket } from 'node:net';
import type { Request, RequestHandler, Response } from 'express';
import type { Role } from '../entities/api-key.entity';
import { ForbiddenError, UnauthorizedError } from '../errors/problem';
import type { Metrics } from '../observability/metrics';
import type { Principal } from './auth.cache';
import { grants } from './auth.policy';
import type { AuthService } from './auth.service';
import type { DeviceGate, WriteRefusal } from './device-scope';

/**
 * What authenticate() decided, for the role guard and the rate limiter, with what the caller may write
 * for (its scope, and the registry) for the routes that write for devices.
 */
export type Access = ({ open: true } | { open: false; principal: Principal }) & { gate: DeviceGate };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

// BlockList also matches IPv4-mapped IPv6 addresses (::ffff:127.0.0.1), as a dual-stack socket reports them.
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return LOOPBACK.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
}

// A connection's peer never changes, and a kept-alive one carries many requests: BlockList.check
// builds address objects on every call, so each socket is judged once.
const loopbackSockets = new WeakMap<Socket, boolean>();

function fromLoopback(socket: Socket): boolean {
  let loopback = loopbackSockets.get(socket);
  if (loopback === undefined) loopbackSockets.set(socket, (loopback = isLoopback(socket.remoteAddress)));
  return loopback;
}

const LOOPBACK_ONLY =
  'This service has no API key yet, so it serves /v1 only to clients on its own machine. ' +
  'Create the first key there with `npm run keys -- create --role admin --name <who>` and send it as ' +
  '"Authorization: Bearer <key>", or set AUTH_DISABLED=true to open every route to the network.';

export function accessOf(res: Response): Access | undefined {
  return res.locals.access as Access | undefined;
}

/** Why a request was refused before its route, as counted in fleet_auth_refused_total. */
type Refusal = 'no-key' | 'malformed-header' | 'unknown-key' | 'role' | 'not-local';

type Refused = (reason: Refusal) => void;

function presentedKey(req: Request, refused: Refused): string | undefined {
  const authorization = req.get('authorization');
  if (authorization !== undefined) {
    const bearer = BEARER.exec(authorization);
    if (!bearer) {
      refused('malformed-header');
      throw new UnauthorizedError('The Authorization header must read "Bearer <key>".', true);
    }
    return bearer[1];
  }
  return req.get('x-api-key') || undefined;
}

/**
 * Identifies the caller once per request; each route then states the role it needs with requireRole().
 * A service without keys is open only to its own machine, the way a fresh database server is: being
 * reachable from elsewhere before anyone set up keys is an accident, not a choice. The socket's own
 * address decides, never a header a client could write.
 */
export function authenticate(auth: AuthService, metrics: Metrics): RequestHandler {
  const refused: Refused = (reason) => metrics.authRefused.inc({ reason });
  const counted = (refusal: WriteRefusal) => {
    metrics.authRefused.inc({ reason: refusal.reason });
    return refusal;
  };
  return async (req, res, next) => {
    const mode = await auth.accessMode();
    if (mode === 'open' && !fromLoopback(req.socket)) {
      refused('not-local');
      throw new ForbiddenError(LOOPBACK_ONLY);
    }
    if (mode !== 'keys') {
      res.locals.access = { open: true, gate: await auth.gate(undefined, counted) } satisfies Access;
      return next();
    }
    const key = presentedKey(req, refused);
    if (!key) {
      refused('no-key');
      throw new UnauthorizedError(
        'An API key is required: send Authorization: Bearer <key> or X-API-Key: <key>.',
        false,
      );
    }
    const principal = await auth.authenticate(key);
    if (!principal) {
      // Neither the key nor any part of it is logged: it may be a real key of another service, mistyped.
      refused('unknown-key');
      throw new UnauthorizedError('The API key is not valid or has been revoked.', true);
    }
    res.locals.access = { open: false, principal, gate: await auth.gate(principal, counted) } satisfies Access;
    next();
  };
}

/**
 * The guard each route is mounted behind, stating the role it needs, and whether callers scoped to
 * devices may come in too (their route checks the devices); refusals are counted and logged.
 */
export function roleGuard(metrics: Metrics): (needed: Role, scopedCallers?: boolean) => RequestHandler {
  return (needed, scopedCallers = false) =>
    (req, res, next) => {
      const access = accessOf(res);
      // Fail closed: a route guarded without authenticate() in front is a wiring bug, not an open door.
      if (!access) throw new Error(`guard on ${req.originalUrl} runs without authenticate()`);
      if (access.open) return next();
      const { id, role, name, scope } = access.principal;
      if (!grants(role, needed) && !(scopedCallers && scope)) {
        metrics.authRefused.inc({ reason: 'role' });
        // The key's id says whose integration is misconfigured (or probing); the key itself is never logged.
        req.log.warn({ keyId: id, keyName: name, role, needed }, 'request refused: role');
        throw new ForbiddenError(
          `The key "${name}" has role ${role}; ${req.method} ${req.baseUrl}${req.path} needs ${needed}.`,
        );
      }
      next();
    };
}
