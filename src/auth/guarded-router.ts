import { Router, type RequestHandler } from 'express';
import type { RouteParameters } from 'express-serve-static-core';
import type { Role } from '../entities/api-key.entity';
import { isRoleGuard, requireRole } from './auth.middleware';

type Method = 'get' | 'post' | 'patch' | 'delete';
// Generic in the path, so handlers see `:id` as a string the way Express types a route's own params.
type AddRoute = <Path extends string>(
  path: Path,
  role: Role,
  ...handlers: Array<RequestHandler<RouteParameters<Path>>>
) => void;

/** A /v1 router whose routes cannot be declared without the role they need, named beside the path. */
export type GuardedRouter = { router: Router } & Record<Method, AddRoute>;

export function guardedRouter(): GuardedRouter {
  const router = Router();
  const add =
    (method: Method): AddRoute =>
    (path, role, ...handlers) => {
      router[method](path, requireRole(role), ...handlers);
    };
  return { router, get: add('get'), post: add('post'), patch: add('patch'), delete: add('delete') };
}

interface RouterLayer {
  route?: { path: string; stack: Array<{ handle: unknown; method?: string }> };
}

/**
 * Fails closed at start-up: a route added to a /v1 router some other way than through guardedRouter()
 * names no role, and the app refuses to build rather than serve it to any key.
 */
export function assertEveryRouteGuarded(router: Router, mountPath: string): void {
  for (const layer of router.stack as RouterLayer[]) {
    if (!layer.route) continue;
    const [first] = layer.route.stack;
    if (!isRoleGuard(first?.handle)) {
      throw new Error(`${first?.method?.toUpperCase() ?? 'a'} route ${mountPath}${layer.route.path} declares no role`);
    }
  }
}
