import { bodyFailures, databaseFailures, jsonBody, jsonResponse, pathParam } from '../contract/operations';
import { problemResponse } from '../contract/problems';
import type { RouteTable } from '../contract/route-table';
import { modelRef, modelSchemas, ref } from '../validation/model-schema';
import { CreateApiKeyDto, parseNewKey } from './auth.dto';
import { ApiKeyView, CreatedApiKey } from './auth.responses';
import type { AuthService } from './auth.service';

/** Key management over HTTP for admin keys; `npm run keys` does the same from a shell. */
export const apiKeyRoutes: RouteTable<AuthService> = {
  tag: { name: 'api keys', description: 'Key management; `npm run keys` does the same from a shell.' },
  schemas: modelSchemas(CreateApiKeyDto, ApiKeyView, CreatedApiKey),
  routes: [
    {
      method: 'get',
      path: '/v1/api-keys',
      role: 'admin',
      summary: 'List API keys',
      responses: {
        200: jsonResponse('Every key, revoked ones included.', { type: 'array', items: modelRef(ApiKeyView) }),
        ...databaseFailures,
      },
      handler: (auth) => async (_req, res) => {
        res.json(await auth.list());
      },
    },
    {
      method: 'post',
      path: '/v1/api-keys',
      role: 'admin',
      summary: 'Create an API key',
      description:
        'An `ingest` key states its scope: `fleet` (any device) or `devices` (a gateway: the registered devices listed).',
      body: jsonBody('Its holder, role and scope.', modelRef(CreateApiKeyDto)),
      responses: {
        201: jsonResponse('The new key, with the key itself.', modelRef(CreatedApiKey)),
        ...bodyFailures,
        ...databaseFailures,
      },
      handler: (auth) => async (req, res) => {
        const { name, role, devices } = parseNewKey(req.body, 'The key request is invalid; no key was created.');
        // The key is in this answer only: no cache along the way may keep a copy.
        res.set('Cache-Control', 'no-store');
        res.status(201).json(await auth.create(name, role, devices));
      },
    },
    {
      method: 'delete',
      path: '/v1/api-keys/:id',
      role: 'admin',
      summary: 'Revoke an API key',
      description:
        'The key stops working at once on this replica, and on others within `AUTH_KEY_CACHE_MS` and one check.',
      params: [pathParam('id', 'The key id.', ref('Uuid'))],
      responses: {
        200: jsonResponse('The revoked key.', modelRef(ApiKeyView)),
        400: problemResponse('The id is not a UUID.', 'validation-error'),
        404: problemResponse('No key with this id.', 'not-found'),
        ...databaseFailures,
      },
      handler: (auth) => async (req, res) => {
        res.json(await auth.revoke(req.params.id));
      },
    },
  ],
};
