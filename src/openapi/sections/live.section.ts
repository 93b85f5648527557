import { MeterStatus, VehicleStatus } from '../../live/live.responses';
import { databaseFailures, guarded, jsonResponse, pathParam, ref } from '../openapi.common';
import { problemResponse } from '../openapi.problems';
import { modelRef, modelSchemas } from '../openapi.schemas';
import type * as OpenApi from '../openapi.types';

function liveStatus(
  kind: 'meter' | 'vehicle',
  param: string,
  status: typeof MeterStatus | typeof VehicleStatus,
): OpenApi.Operation {
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

export const liveSection: OpenApi.Section = {
  tag: { name: 'live', description: 'The newest reading of each device.' },
  schemas: modelSchemas(MeterStatus, VehicleStatus),
  paths: {
    '/v1/meters/{meterId}': { get: liveStatus('meter', 'meterId', MeterStatus) },
    '/v1/vehicles/{vehicleId}': { get: liveStatus('vehicle', 'vehicleId', VehicleStatus) },
  },
};
