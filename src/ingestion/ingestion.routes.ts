import type * as OpenApi from '../contract/openapi.types';
import { bodyFailures, databaseFailures, jsonBody, jsonResponse } from '../contract/operations';
import { problemResponse } from '../contract/problems';
import type { Route, RouteTable } from '../contract/route-table';
import { modelRef, modelSchemas, ref } from '../validation/model-schema';
import { MeterReadingDto, VehicleReadingDto } from './ingestion.dto';
import { ingestionHandlers, type IngestionDeps } from './ingestion.handlers';
import { BatchItemErrors, BatchResult, IngestionResult } from './ingestion.responses';

const schemas: Record<string, OpenApi.Schema> = {
  ...modelSchemas(MeterReadingDto, VehicleReadingDto),
  Reading: {
    description: 'Either reading; the id key (`meterId` or `vehicleId`, never both) decides which.',
    oneOf: [modelRef(MeterReadingDto), modelRef(VehicleReadingDto)],
  },
  ...modelSchemas(IngestionResult, BatchItemErrors, BatchResult),
};

/** The three single-reading routes differ only in the reading they take. */
function singleReading(
  path: Route<IngestionDeps>['path'],
  expected: 'meter' | 'vehicle' | 'any',
  summary: string,
  reading: OpenApi.Schema,
  description: string,
): Route<IngestionDeps> {
  return {
    method: 'post',
    path,
    role: 'ingest',
    summary,
    description:
      `${description} History and live status are written in one transaction, acknowledged after commit. ` +
      'A retry of a stored reading (same device and timestamp) changes nothing and is answered 200 with ' +
      '`duplicate: true`; a reading older than the live status lands in history only.',
    body: jsonBody('One reading.', reading),
    responses: {
      201: jsonResponse('Stored (`duplicate: false`).', modelRef(IngestionResult)),
      200: jsonResponse('Already stored (`duplicate: true`); nothing changed.', modelRef(IngestionResult)),
      ...bodyFailures,
      ...databaseFailures,
    },
    handler: (deps) => ingestionHandlers(deps).single(expected),
  };
}

export const ingestionRoutes: RouteTable<IngestionDeps> = {
  tag: { name: 'ingestion', description: 'Readings from meters and vehicles; idempotent per device and timestamp.' },
  schemas,
  routes: [
    singleReading(
      '/v1/ingestion/meter',
      'meter',
      'Ingest a meter reading',
      modelRef(MeterReadingDto),
      'Stores one smart-meter (AC) reading.',
    ),
    singleReading(
      '/v1/ingestion/vehicle',
      'vehicle',
      'Ingest a vehicle reading',
      modelRef(VehicleReadingDto),
      'Stores one vehicle (DC) reading.',
    ),
    singleReading(
      '/v1/ingestion/telemetry',
      'any',
      'Ingest a reading of either type',
      ref('Reading'),
      'Stores one reading of either type; `meterId` or `vehicleId` (exactly one) decides which.',
    ),
    {
      method: 'post',
      path: '/v1/ingestion/batch',
      role: 'ingest',
      summary: 'Ingest a batch of readings',
      description:
        'Stores 1 to `BATCH_MAX_ITEMS` (5,000 by default) readings of either type in one transaction. ' +
        'Invalid items are reported by index and skipped; the valid ones are stored. Repeats (already ' +
        'stored, or twice in this batch) count as duplicates. A batch is one request for the rate limit.',
      body: jsonBody('A non-empty JSON array of readings.', { type: 'array', minItems: 1, items: ref('Reading') }),
      responses: {
        201: jsonResponse(
          'Every item valid, and stored or duplicate (`rejected: 0`, `errors: []`).',
          modelRef(BatchResult),
        ),
        207: jsonResponse(
          'Some items invalid: the valid ones are stored, `errors` lists the others.',
          modelRef(BatchResult),
        ),
        ...bodyFailures,
        400: problemResponse(
          'No item is valid, the body is not a non-empty array or holds more than `BATCH_MAX_ITEMS`, or it is not JSON; nothing was stored.',
          'validation-error',
          'malformed-json',
          'request-aborted',
        ),
        ...databaseFailures,
      },
      handler: (deps) => ingestionHandlers(deps).batch,
    },
  ],
};
