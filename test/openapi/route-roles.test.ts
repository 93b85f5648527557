import request from 'supertest';
import { openApiDocument, ROUTE_TABLES } from '../../src/api';
import { documentedPath, type AnyRouteTable, type Route } from '../../src/contract/route-table';
import type { Role } from '../../src/entities/api-key.entity';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
const keys = {} as Record<Role, string>;
beforeAll(async () => {
  t = await createTestApp();
  for (const role of ['ingest', 'read', 'admin'] as const) keys[role] = (await t.services.auth.create(role, role)).key;
});
afterAll(() => t.close());

const routes: Array<Route<never>> = Object.values<AnyRouteTable>(ROUTE_TABLES).flatMap((table) => table.routes);

/** A concrete URL for a route: ids are UUIDs where the path says `:id`, device ids elsewhere. */
const urlOf = (path: string) =>
  path.replace(/:(\w+)/g, (_, name: string) => (name === 'id' ? '00000000-0000-4000-8000-000000000000' : 'NOBODY-1'));

/** HEAD for reads, so that the stream answers its headers and ends instead of following. */
const send = (method: string, url: string, key: string) =>
  request(t.app)[method === 'get' ? 'head' : (method as 'post' | 'patch' | 'delete')](url).set('X-API-Key', key);

describe.each(routes.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route] as const))(
  '%s',
  (_name, route) => {
    it('is documented with the role its table names', () => {
      const operation = openApiDocument.paths[documentedPath(route.path)]?.[route.method];
      expect(operation?.security).toEqual([{ bearerAuth: [route.role] }, { apiKeyHeader: [route.role] }]);
    });

    it('refuses every key whose role is below it, and lets its own role past the guard', async () => {
      for (const role of ['ingest', 'read'] as const) {
        if (role === route.role) continue;
        const res = await send(route.method, urlOf(route.path), keys[role]);
        expect(res.status).toBe(403);
      }
      const allowed = await send(route.method, urlOf(route.path), keys[route.role]);
      expect([401, 403]).not.toContain(allowed.status);
    });
  },
);
