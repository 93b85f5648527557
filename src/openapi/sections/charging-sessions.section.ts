import { NewSessionDto, SessionEndDto, SessionQueryDto } from '../../charging-sessions/charging-session.dto';
import { SessionView } from '../../charging-sessions/charging-session.responses';
import { bodyFailures, databaseFailures, guarded, jsonBody, jsonResponse, pathParam, ref } from '../openapi.common';
import { problemResponse } from '../openapi.problems';
import { modelRef, modelSchemas, queryParameters } from '../openapi.schemas';
import type * as OpenApi from '../openapi.types';

const overlap = problemResponse(
  'The session would overlap another session of the same vehicle, or of another vehicle on the same meter; ' +
    '`detail` says which was busy and `conflictingSessionIds` lists the sessions in the way.',
  'conflict',
);

const schemas: Record<string, OpenApi.Schema> = {
  ...modelSchemas(NewSessionDto, SessionEndDto, SessionView),
  ChargingSessionList: {
    type: 'object',
    required: ['sessions'],
    additionalProperties: false,
    properties: { sessions: { type: 'array', items: modelRef(SessionView) } },
  },
};

const tags = ['charging sessions'];

export const chargingSessionsSection: OpenApi.Section = {
  tag: {
    name: 'charging sessions',
    description: 'Which meter fed which vehicle when: what analytics attribute AC energy by.',
  },
  schemas,
  paths: {
    '/v1/charging-sessions': {
      post: guarded('admin', {
        tags,
        summary: 'Record a charging session',
        description:
          'Sessions of one vehicle never overlap, and neither do those of one meter: a meter feeds one vehicle at a time.',
        requestBody: jsonBody('The session; without `endedAt` it is ongoing.', modelRef(NewSessionDto)),
        responses: {
          201: {
            ...jsonResponse('Recorded.', modelRef(SessionView)),
            headers: {
              Location: { description: 'The session, `/v1/charging-sessions/{id}`.', schema: { type: 'string' } },
            },
          },
          ...bodyFailures,
          409: overlap,
          ...databaseFailures,
        },
      }),
      get: guarded('read', {
        tags,
        summary: "List a vehicle's charging sessions",
        description:
          'The sessions of the vehicle overlapping [`from`, `to`]; a missing bound is open. Unknown parameters are refused.',
        parameters: queryParameters(SessionQueryDto),
        responses: {
          200: jsonResponse('The sessions, oldest first.', ref('ChargingSessionList')),
          400: problemResponse('A parameter is missing or invalid.', 'validation-error'),
          ...databaseFailures,
        },
      }),
    },
    '/v1/charging-sessions/{id}': {
      patch: guarded('admin', {
        tags,
        summary: 'End a charging session',
        description: 'Sets (or moves) the end of a session.',
        parameters: [pathParam('id', 'The session id.', ref('Uuid'))],
        requestBody: jsonBody('The end.', modelRef(SessionEndDto)),
        responses: {
          200: jsonResponse('The updated session.', modelRef(SessionView)),
          ...bodyFailures,
          404: problemResponse('No session with this id.', 'not-found'),
          409: overlap,
          ...databaseFailures,
        },
      }),
    },
  },
};
