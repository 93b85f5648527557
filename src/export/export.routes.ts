import { MAX_WINDOW_HOURS } from '../analytics/analytics.public';
import type * as OpenApi from '../contract/openapi.types';
import { databaseFailures, pathParam } from '../contract/operations';
import { problemResponse } from '../contract/problems';
import type { Route, RouteTable } from '../contract/route-table';
import { modelRef, modelSchemas, ref } from '../validation/model-schema';
import { ReadingsQueryDto } from './export.dto';
import { readingsHandler } from './export.handlers';
import {
  ExportedMeterReading,
  ExportedVehicleReading,
  MeterReadingsPage,
  VehicleReadingsPage,
} from './export.responses';
import type { ExportService } from './export.service';

type Device = 'vehicle' | 'meter';

const CSV_DESCRIPTION =
  'The whole window in one file, streamed from the database: a header row, then one reading a line, oldest ' +
  'first, `timestamp` in UTC to the microsecond and values exactly as stored. A register reading has its ' +
  'interval energy derived from the register beside it, and `registerEvent` says what deriving it met; both are ' +
  'empty for readings sent with interval energy only. A response that ends without its ' +
  'final chunk was cut short (`EXPORT_STATEMENT_TIMEOUT_MS`, or the database failing mid-stream).';

function csvSchema(device: Device): OpenApi.Schema {
  const header =
    device === 'vehicle'
      ? 'vehicleId,timestamp,soc,kwhDeliveredDc,kwhRegisterDc,registerEvent,batteryTemp'
      : 'meterId,timestamp,kwhConsumedAc,kwhRegisterAc,registerEvent,voltage';
  const row =
    device === 'vehicle'
      ? 'VEHICLE-001,2026-12-01T10:00:00.000000Z,85.5,45.2,12004.5,,28.5'
      : 'METER-001,2026-12-01T10:00:00.000000Z,150.5,,,240';
  return {
    type: 'string',
    description: `RFC 4180 CSV with the header \`${header}\`.`,
    examples: [`${header}\n${row}\n`],
  };
}

const CSV_LIMITS =
  'A CSV export holds a database connection while its client reads, so few run at once: ' +
  '`EXPORT_MAX_CONCURRENT` per process and `EXPORT_MAX_PER_KEY` per API key (per client address without keys); ' +
  'one more is refused before any work, and a client that reads nothing for `EXPORT_IDLE_TIMEOUT_MS` is ' +
  'disconnected. `HEAD` answers the headers a CSV export starts with (or its 404) without running it.';

function readings(
  device: Device,
  param: 'vehicleId' | 'meterId',
  path: Route<ExportService>['path'],
  page: OpenApi.Schema,
): Route<ExportService> {
  return {
    method: 'get',
    path,
    role: 'read',
    summary: `A ${device}'s stored readings, as JSON pages or one CSV file`,
    description:
      `The readings with \`from\` < timestamp <= \`to\`, the window analytics sums, so their totals are its totals. ` +
      `JSON by default, in pages of \`limit\` with a cursor; \`Accept: text/csv\` for the whole window at once.\n\n` +
      CSV_LIMITS,
    params: [pathParam(param, `The ${device}.`, ref('DeviceId'))],
    query: ReadingsQueryDto,
    responses: {
      200: {
        description: `JSON: one page, oldest first. CSV: ${CSV_DESCRIPTION}`,
        content: { 'application/json': { schema: page }, 'text/csv': { schema: csvSchema(device) } },
      },
      400: problemResponse(
        'The id or a parameter is invalid or unknown, `from` is missing or not before `to`, the window exceeds ' +
          `${MAX_WINDOW_HOURS} hours, the cursor is not one issued for this ${device} (or names another window ` +
          'than `from`/`to`), or `limit`/`cursor` came with CSV.',
        'validation-error',
      ),
      404: problemResponse(`The ${device} has never reported.`, 'not-found'),
      406: problemResponse('`Accept` allows neither `application/json` nor `text/csv`.', 'not-acceptable'),
      // Besides the rate-limit budget the role guard names, a CSV export has a bound of its own per caller.
      429: problemResponse(
        'The caller spent its rate-limit budget, or (CSV) already runs `EXPORT_MAX_PER_KEY` exports; retry after ' +
          '`Retry-After` seconds.',
        'rate-limited',
      ),
      ...databaseFailures,
      503: problemResponse(
        'The database is unavailable, or (CSV) this process already runs `EXPORT_MAX_CONCURRENT` exports; nothing ' +
          'was sent. Retry after `Retry-After` seconds.',
        'service-unavailable',
      ),
    },
    handler: readingsHandler(device, param),
  };
}

export const exportRoutes: RouteTable<ExportService> = {
  tag: { name: 'export', description: "A device's stored readings over a window, as JSON pages or CSV." },
  schemas: modelSchemas(VehicleReadingsPage, MeterReadingsPage, ExportedVehicleReading, ExportedMeterReading),
  routes: [
    readings('vehicle', 'vehicleId', '/v1/vehicles/:vehicleId/readings', modelRef(VehicleReadingsPage)),
    readings('meter', 'meterId', '/v1/meters/:meterId/readings', modelRef(MeterReadingsPage)),
  ],
};
