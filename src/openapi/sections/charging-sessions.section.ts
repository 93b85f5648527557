import {
  bodyFailures,
  databaseFailures,
  guarded,
  jsonBody,
  jsonResponse,
  nullable,
  pathParam,
  queryParam,
  ref,
} from '../openapi.common';
import { problemResponse } from '../openapi.problems';
import type * as OpenApi from '../openapi.types';

const overlap = problemResponse(
  'The session would overlap another session of the same vehicle, or of another vehicle on the same meter; ' +
    '`detail` says which was busy and `conflictingSessionIds` lists the sessions in the way.',
  'conflict',
);

const schemas: Record<string, OpenApi.Schema> = {
  NewChargingSession: {
    type: 'object',
    required: ['vehicleId', 'meterId', 'startedAt'],
    additionalProperties: false,
    properties: {
      vehicleId: ref('DeviceId'),
      meterId: { ...ref('DeviceId'), description: 'The meter in front of the charger.' },
      startedAt: ref('ZonedTimestamp'),
      endedAt: { ...ref('ZonedTimestamp'), description: 'After `startedAt`; omit for an ongoing session.' },
    },
  },
  ChargingSessionEnd: {
    type: 'object',
    required: ['endedAt'],
    additionalProperties: false,
    properties: { endedAt: { ...ref('ZonedTimestamp'), description: "After the session's start." } },
  },
  ChargingSession: {
    type: 'object',
    description: 'A vehicle plugged into the charger behind a meter for [startedAt, endedAt).',
    required: ['id', 'vehicleId', 'meterId', 'startedAt', 'endedAt', 'createdAt'],
    additionalProperties: false,
    properties: {
      id: ref('Uuid'),
      vehicleId: ref('DeviceId'),
      meterId: ref('DeviceId'),
      startedAt: ref('Instant'),
      endedAt: nullable(ref('Instant'), 'null while the session is ongoing.'),
      createdAt: ref('Instant'),
    },
  },
  ChargingSessionList: {
    type: 'object',
    required: ['sessions'],
    additionalProperties: false,
    properties: { sessions: { type: 'array', items: ref('ChargingSession') } },
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
        requestBody: jsonBody('The session; without `endedAt` it is ongoing.', ref('NewChargingSession')),
        responses: {
          201: {
            ...jsonResponse('Recorded.', ref('ChargingSession')),
            headers: { Location: { description: 'The session, `/v1/charging-sessions/{id}`.', schema: { type: 'string' } } },
          },
          ...bodyFailures,
          409: overlap,
          ...databaseFailures,
        },
      }),
      get: guarded('read', {
        tags,
        summary: "List a vehicle's charging sessions",
        description: 'The sessions of the vehicle overlapping [`from`, `to`]; a missing bound is open. Unknown parameters are refused.',
        parameters: [
          queryParam('vehicleId', 'The vehicle.', ref('DeviceId'), true),
          queryParam('from', 'Only sessions ending after this instant, or ongoing.', ref('ZonedTimestamp')),
          queryParam('to', 'Only sessions starting at or before this instant; after `from`.', ref('ZonedTimestamp')),
        ],
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
        requestBody: jsonBody('The end.', ref('ChargingSessionEnd')),
        responses: {
          200: jsonResponse('The updated session.', ref('ChargingSession')),
          ...bodyFailures,
          404: problemResponse('No session with this id.', 'not-found'),
          409: overlap,
          ...databaseFailures,
        },
      }),
    },
  },
};
