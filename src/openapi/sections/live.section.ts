import { databaseFailures, guarded, jsonResponse, measurement, pathParam, ref } from '../openapi.common';
import { problemResponse } from '../openapi.problems';
import type * as OpenApi from '../openapi.types';

const updatedAt: OpenApi.Schema = { ...ref('Instant'), description: 'When the live row was last written.' };

const schemas: Record<string, OpenApi.Schema> = {
  MeterStatus: {
    type: 'object',
    description: "The meter's newest reading.",
    required: ['meterId', 'kwhConsumedAc', 'voltage', 'timestamp', 'updatedAt'],
    additionalProperties: false,
    properties: {
      meterId: ref('DeviceId'),
      kwhConsumedAc: measurement(0),
      voltage: measurement(0, 2_000),
      timestamp: ref('Instant'),
      updatedAt,
    },
  },
  VehicleStatus: {
    type: 'object',
    description: "The vehicle's newest reading.",
    required: ['vehicleId', 'soc', 'kwhDeliveredDc', 'batteryTemp', 'timestamp', 'updatedAt'],
    additionalProperties: false,
    properties: {
      vehicleId: ref('DeviceId'),
      soc: measurement(0, 100),
      kwhDeliveredDc: measurement(0),
      batteryTemp: measurement(-100, 200),
      timestamp: ref('Instant'),
      updatedAt,
    },
  },
};

function liveStatus(kind: 'meter' | 'vehicle', param: string, schema: string): OpenApi.Operation {
  return guarded('read', {
    tags: ['live'],
    summary: `Current status of a ${kind}`,
    description: `The ${kind}'s newest reading by timestamp, as kept in the live table.`,
    parameters: [pathParam(param, `The ${kind} id.`, ref('DeviceId'))],
    responses: {
      200: jsonResponse(`The ${kind}'s newest reading.`, ref(schema)),
      400: problemResponse('The id breaks the id rule.', 'validation-error'),
      404: problemResponse(`The ${kind} has never reported.`, 'not-found'),
      ...databaseFailures,
    },
  });
}

export const liveSection: OpenApi.Section = {
  tag: { name: 'live', description: 'The newest reading of each device.' },
  schemas,
  paths: {
    '/v1/meters/{meterId}': { get: liveStatus('meter', 'meterId', 'MeterStatus') },
    '/v1/vehicles/{vehicleId}': { get: liveStatus('vehicle', 'vehicleId', 'VehicleStatus') },
  },
};
