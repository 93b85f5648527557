import { CreateApiKeyDto } from '../../auth/auth.dto';
import { ApiKeyView, CreatedApiKey } from '../../auth/auth.responses';
import { bodyFailures, databaseFailures, guarded, jsonBody, jsonResponse, pathParam, ref } from '../openapi.common';
import { problemResponse } from '../openapi.problems';
import { modelRef, modelSchemas } from '../openapi.schemas';
import type * as OpenApi from '../openapi.types';

const tags = ['api keys'];

export const apiKeysSection: OpenApi.Section = {
  tag: { name: 'api keys', description: 'Key management; `npm run keys` does the same from a shell.' },
  schemas: modelSchemas(CreateApiKeyDto, ApiKeyView, CreatedApiKey),
  paths: {
    '/v1/api-keys': {
      get: guarded('admin', {
        tags,
        summary: 'List API keys',
        responses: {
          200: jsonResponse('Every key, revoked ones included.', { type: 'array', items: modelRef(ApiKeyView) }),
          ...databaseFailures,
        },
      }),
      post: guarded('admin', {
        tags,
        summary: 'Create an API key',
        requestBody: jsonBody('Its holder and role.', modelRef(CreateApiKeyDto)),
        responses: {
          201: jsonResponse('The new key, with the key itself.', modelRef(CreatedApiKey)),
          ...bodyFailures,
          ...databaseFailures,
        },
      }),
    },
    '/v1/api-keys/{id}': {
      delete: guarded('admin', {
        tags,
        summary: 'Revoke an API key',
        description: 'The key stops working at once on this replica, and within the key cache lifetime on others.',
        parameters: [pathParam('id', 'The key id.', ref('Uuid'))],
        responses: {
          200: jsonResponse('The revoked key.', modelRef(ApiKeyView)),
          400: problemResponse('The id is not a UUID.', 'validation-error'),
          404: problemResponse('No key with this id.', 'not-found'),
          ...databaseFailures,
        },
      }),
    },
  },
};
