import type { RequestHandler } from 'express';
import type { Role } from '../entities/api-key.entity';
import { queryParameters, type Model } from '../validation/model-schema';
import type * as OpenApi from './openapi.types';
import { guarded } from './operations';

/**
 * One /v1 route, stated once: the router mounts it behind the role it names, and the OpenAPI document
 * describes it from the same entry, so the path, the role and the published contract cannot drift apart.
 */
export interface Route<Deps> {
  method: OpenApi.Method;
  /** The full path in Express syntax (`/v1/meters/:meterId`); the document shows `:meterId` as `{meterId}`. */
  path: `/v1/${string}`;
  role: Role;
  /**
   * Also open to a caller scoped to devices (a gateway key, a device credential) whatever its role: the
   * handler then checks the devices the request names against that scope.
   */
  scopedCallers?: true;
  summary: string;
  description?: string;
  /** Path and header parameters, as documented. */
  params?: OpenApi.Parameter[];
  /** The query DTO, whose fields are documented as the query parameters. */
  query?: Model;
  /** A JSON body: the route refuses any other media type before its handler runs. */
  body?: OpenApi.RequestBody;
  /** Every answer, success and problem alike; the role guard's 401, 403 and 429 are added. */
  responses: Record<string, OpenApi.Response>;
  /** Called once when the app is built, never per request. */
  handler: (deps: Deps) => RouteHandler;
}

/** Route paths hold named parameters only, no wildcards, so each parameter is one string. */
export type RouteHandler = RequestHandler<Record<string, string>>;

/** A feature's routes, with the document tag and the component schemas they refer to. */
export interface RouteTable<Deps> {
  tag: OpenApi.Tag;
  schemas?: Record<string, OpenApi.Schema>;
  routes: Array<Route<Deps>>;
}

/** Any table, whatever its handlers need: what the document reads. */
export type AnyRouteTable = RouteTable<never>;

export type DepsOf<Table> = Table extends RouteTable<infer Deps> ? Deps : never;

/** Express's `:name` as OpenAPI's `{name}`. */
export const documentedPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

function operationOf(tag: string, route: Route<never>): OpenApi.Operation {
  const own = route.params ?? [];
  const parameters = [
    ...own.filter((param) => param.in === 'path'),
    ...(route.query ? queryParameters(route.query) : []),
    ...own.filter((param) => param.in !== 'path'),
  ];
  return guarded(route.role, route.scopedCallers ?? false, {
    tags: [tag],
    summary: route.summary,
    ...(route.description !== undefined && { description: route.description }),
    ...(parameters.length > 0 && { parameters }),
    ...(route.body && { requestBody: route.body }),
    responses: route.responses,
  });
}

/** The document's `paths` for the tables' routes, in table order. */
export function pathsOf(tables: AnyRouteTable[]): Record<string, OpenApi.PathItem> {
  const paths: Record<string, OpenApi.PathItem> = {};
  for (const { tag, routes } of tables) {
    for (const route of routes) {
      const item = (paths[documentedPath(route.path)] ??= {});
      if (item[route.method]) throw new Error(`${route.method.toUpperCase()} ${route.path} is declared twice`);
      item[route.method] = operationOf(tag.name, route);
    }
  }
  return paths;
}
