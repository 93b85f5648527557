import { Router, type Express, type RequestHandler } from 'express';
import type { AnyRouteTable, DepsOf, Route } from '../contract/route-table';
import type { Role } from '../entities/api-key.entity';
import { requireJson } from './require-json';

/**
 * Where a table's router is mounted: the static segments all its routes share, short of the last one.
 * A request for another feature skips the router on that prefix instead of trying each of its routes.
 */
function mountPoint(routes: Array<Route<never>>): string {
  const segments = routes.map((route) => route.path.split('/').slice(1));
  const shortest = Math.min(...segments.map((parts) => parts.length));
  const shared: string[] = [];
  for (let i = 0; i < shortest - 1; i++) {
    const part = segments[0][i];
    if (part.startsWith(':') || segments.some((parts) => parts[i] !== part)) break;
    shared.push(part);
  }
  return `/${shared.join('/')}`;
}

/** The handler that lets a request through to a route needing `role` (or, with `scopedCallers`, from a scoped caller). */
export type Guard = (role: Role, scopedCallers: boolean) => RequestHandler;

function routerOf<Deps>(routes: Array<Route<Deps>>, deps: Deps, prefix: string, guard: Guard) {
  const router = Router();
  for (const route of routes) {
    const own = route.path.slice(prefix === '/' ? 0 : prefix.length);
    // The role check comes first, before the body's media type is even looked at.
    const guardOf = guard(route.role, route.scopedCallers ?? false);
    const chain = route.body ? [guardOf, requireJson] : [guardOf];
    router[route.method](own, ...chain, route.handler(deps) as RequestHandler);
  }
  return router;
}

/**
 * Mounts every table, in order, with the dependencies its handlers need; the handlers and guards are
 * made here once. The tables and the deps are keyed alike, so a table mounted without its deps does not compile.
 */
export function mountRouteTables<Tables extends Record<string, AnyRouteTable>>(
  app: Express,
  tables: Tables,
  deps: { [Name in keyof Tables]: DepsOf<Tables[Name]> },
  guard: Guard,
): void {
  for (const name of Object.keys(tables) as Array<keyof Tables>) {
    const routes = tables[name].routes as Array<Route<DepsOf<Tables[typeof name]>>>;
    const prefix = mountPoint(routes);
    app.use(prefix, routerOf(routes, deps[name], prefix, guard));
  }
}
