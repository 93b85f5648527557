import { DeviceListQueryDto } from '../../live/live.dto';
import {
  CurrentSession,
  MeterStatus,
  MeterStatusPage,
  VehicleListEntry,
  VehicleStatus,
  VehicleStatusPage,
} from '../../live/live.responses';
import { databaseFailures, guarded, jsonResponse, pathParam, ref } from '../openapi.common';
import { problemResponse } from '../openapi.problems';
import { modelRef, modelSchemas, queryParameters } from '../openapi.schemas';
import type * as OpenApi from '../openapi.types';

type Kind = 'meter' | 'vehicle';

function liveStatus(kind: Kind, param: string, status: typeof MeterStatus | typeof VehicleStatus): OpenApi.Operation {
  return guarded('read', {
    tags: ['live'],
    summary: `Current status of a ${kind}`,
    description: `The ${kind}'s newest reading by timestamp, as kept in the live table.`,
    parameters: [pathParam(param, `The ${kind} id.`, ref('DeviceId'))],
    responses: {
      200: jsonResponse(`The ${kind}'s newest reading.`, modelRef(status)),
      400: problemResponse('The id breaks the id rule.', 'validation-error'),
      404: problemResponse(`The ${kind} has never reported.`, 'not-found'),
      ...databaseFailures,
    },
  });
}

function liveList(kind: Kind, page: typeof MeterStatusPage | typeof VehicleStatusPage, extra = ''): OpenApi.Operation {
  return guarded('read', {
    tags: ['live'],
    summary: `Current status of every ${kind}`,
    description: `The newest reading of each ${kind} that ever reported, in id order, in pages.${extra}`,
    parameters: queryParameters(DeviceListQueryDto),
    responses: {
      200: jsonResponse(`A page of ${kind}s.`, modelRef(page)),
      400: problemResponse('A parameter is invalid.', 'validation-error'),
      ...databaseFailures,
    },
  });
}

export const liveSection: OpenApi.Section = {
  tag: { name: 'live', description: 'The newest reading of each device.' },
  schemas: modelSchemas(
    MeterStatus,
    VehicleStatus,
    CurrentSession,
    VehicleListEntry,
    MeterStatusPage,
    VehicleStatusPage,
  ),
  paths: {
    '/v1/meters': { get: liveList('meter', MeterStatusPage) },
    '/v1/vehicles': {
      get: liveList('vehicle', VehicleStatusPage, ' Each also names the charging session it is in now, if any.'),
    },
    '/v1/meters/{meterId}': { get: liveStatus('meter', 'meterId', MeterStatus) },
    '/v1/vehicles/{vehicleId}': { get: liveStatus('vehicle', 'vehicleId', VehicleStatus) },
  },
};
