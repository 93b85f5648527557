import { FleetQueryDto, MAX_WINDOW_HOURS, PerformanceQueryDto } from '../../analytics/analytics.dto';
import { FleetEfficiencyPage, VehiclePerformance } from '../../analytics/analytics.responses';
import { databaseFailures, guarded, jsonResponse, pathParam, ref } from '../openapi.common';
import { problemResponse } from '../openapi.problems';
import { modelRef, modelSchemas, queryParameters } from '../openapi.schemas';
import type * as OpenApi from '../openapi.types';

const badQuery = problemResponse(
  `A parameter is invalid, unknown, or \`hours\` is combined with \`from\`/\`to\`, or the window exceeds ${MAX_WINDOW_HOURS} hours.`,
  'validation-error',
);

const tags = ['analytics'];

export const analyticsSection: OpenApi.Section = {
  tag: { name: 'analytics', description: 'Energy efficiency: DC delivered over AC consumed.' },
  schemas: modelSchemas(VehiclePerformance, FleetEfficiencyPage),
  paths: {
    '/v1/analytics/performance/{vehicleId}': {
      get: guarded('read', {
        tags,
        summary: "A vehicle's charging efficiency",
        description:
          'Totals, DC/AC ratio and average battery temperature over the window; `lowEfficiency` compares ' +
          'the ratio with `EFFICIENCY_ALERT_THRESHOLD` (0.85 by default).',
        parameters: [pathParam('vehicleId', 'The vehicle.', ref('DeviceId')), ...queryParameters(PerformanceQueryDto)],
        responses: {
          200: jsonResponse('The figures.', modelRef(VehiclePerformance)),
          400: badQuery,
          404: problemResponse('The vehicle has never reported.', 'not-found'),
          ...databaseFailures,
        },
      }),
    },
    '/v1/analytics/fleet/efficiency': {
      get: guarded('read', {
        tags,
        summary: 'Fleet efficiency, least efficient first',
        description: 'The vehicles with charging sessions in the window and their figures, a page at a time.',
        parameters: queryParameters(FleetQueryDto),
        responses: {
          200: jsonResponse('One page.', modelRef(FleetEfficiencyPage)),
          400: badQuery,
          ...databaseFailures,
        },
      }),
    },
  },
};
