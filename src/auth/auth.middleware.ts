import type { Request, RequestHandler, Response } from 'express';
import type { Role } from '../entities/api-key.entity';
import { ForbiddenError, UnauthorizedError } from '../errors/problem';
import type { Principal } from './auth.cache';
import { grants } from './auth.policy';
import type { AuthService } from './auth.service';

/** What authenticate() decided, for requireRole() and the rate limiter. */
export type Access = { open: true } | { open: false; principal: Principal };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function accessOf(res: Response): Access | undefined {
  return res.locals.access as Access | undefined;
}

function presentedKey(req: Request): string | undefined {
  const authorization = req.get('authorization');
  if (authorization !== undefined) {
    const bearer = BEARER.exec(authorization);
    if (!bearer) throw new UnauthorizedError('The Authorization header must read "Bearer <key>".', true);
    return bearer[1];
  }
  return req.get('x-api-key') || undefined;
}

/** Identifies the caller once per request; routes then state the role they need with requireRole(). */
export function authenticate(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    if (!(await auth.requiresKey())) {
      res.locals.access = { open: true } satisfies Access;
      return next();
    }
    const key = presentedKey(req);
    if (!key) {
      throw new UnauthorizedError('An API key is required: send Authorization: Bearer <key> or X-API-Key: <key>.', false);
    }
    const principal = await auth.authenticate(key);
    if (!principal) throw new UnauthorizedError('The API key is not valid or has been revoked.', true);
    res.locals.access = { open: false, principal } satisfies Access;
    next();
  };
}

/** A role for every method, or one for reads (GET, HEAD) and another for writes. */
export type RoleRule = Role | { read: Role; write: Role };

const isRead = (method: string) => method === 'GET' || method === 'HEAD';

export function requireRole(rule: RoleRule): RequestHandler {
  return (req, res, next) => {
    const access = accessOf(res);
    // Fail closed: a route guarded without authenticate() in front is a wiring bug, not an open door.
    if (!access) throw new Error(`requireRole on ${req.originalUrl} runs without authenticate()`);
    if (access.open) return next();
    const needed = typeof rule === 'string' ? rule : isRead(req.method) ? rule.read : rule.write;
    const { role, name } = access.principal;
    if (!grants(role, needed)) {
      throw new ForbiddenError(`The key "${name}" has role ${role}; ${req.method} ${req.baseUrl}${req.path} needs ${needed}.`);
    }
    next();
  };
}
