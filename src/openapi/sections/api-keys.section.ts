import { ROLES } from '../../entities/api-key.entity';
import { bodyFailures, databaseFailures, guarded, jsonBody, jsonResponse, nullable, pathParam, ref } from '../openapi.common';
import { problemResponse } from '../openapi.problems';
import type * as OpenApi from '../openapi.types';

const keyFields: Record<string, OpenApi.Schema> = {
  id: ref('Uuid'),
  name: { type: 'string', minLength: 1, maxLength: 100, description: 'Who or what holds the key.' },
  role: ref('Role'),
  createdAt: ref('Instant'),
  revokedAt: nullable(ref('Instant'), 'null while the key is active.'),
};

const schemas: Record<string, OpenApi.Schema> = {
  Role: {
    type: 'string',
    enum: [...ROLES],
    description: '`ingest` posts readings, `read` reads live status, analytics and sessions, `admin` does all that and manages sessions and keys.',
  },
  NewApiKey: {
    type: 'object',
    required: ['name', 'role'],
    additionalProperties: false,
    properties: { name: keyFields.name, role: ref('Role') },
  },
  ApiKey: {
    type: 'object',
    description: 'A key as stored: only its SHA-256 is kept, so the key itself is never shown again.',
    required: Object.keys(keyFields),
    additionalProperties: false,
    properties: keyFields,
  },
  CreatedApiKey: {
    type: 'object',
    required: [...Object.keys(keyFields), 'key'],
    additionalProperties: false,
    properties: { ...keyFields, key: { type: 'string', description: 'The key; shown this once.', examples: ['fp_…'] } },
  },
};

const tags = ['api keys'];

export const apiKeysSection: OpenApi.Section = {
  tag: { name: 'api keys', description: 'Key management; `npm run keys` does the same from a shell.' },
  schemas,
  paths: {
    '/v1/api-keys': {
      get: guarded('admin', {
        tags,
        summary: 'List API keys',
        responses: { 200: jsonResponse('Every key, revoked ones included.', { type: 'array', items: ref('ApiKey') }), ...databaseFailures },
      }),
      post: guarded('admin', {
        tags,
        summary: 'Create an API key',
        requestBody: jsonBody('Its holder and role.', ref('NewApiKey')),
        responses: {
          201: jsonResponse('The new key, with the key itself.', ref('CreatedApiKey')),
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
          200: jsonResponse('The revoked key.', ref('ApiKey')),
          400: problemResponse('The id is not a UUID.', 'validation-error'),
          404: problemResponse('No key with this id.', 'not-found'),
          ...databaseFailures,
        },
      }),
    },
  },
};
