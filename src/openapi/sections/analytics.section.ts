import { FleetQueryDto, MAX_WINDOW_HOURS, PerformanceQueryDto } from '../../analytics/analytics.dto';
import { FleetEfficiencyPage, VehiclePerformance } from '../../analytics/analytics.responses';
import { MAX_SERIES_DAYS, MAX_SERIES_POINTS, SeriesQueryDto } from '../../analytics/series.dto';
import { MeterSeries, MeterSeriesPoint, VehicleSeries, VehicleSeriesPoint } from '../../analytics/series.responses';
import { databaseFailures, guarded, jsonResponse, pathParam, ref } from '../openapi.common';
import { problemResponse } from '../openapi.problems';
import { modelRef, modelSchemas, queryParameters } from '../openapi.schemas';
import type * as OpenApi from '../openapi.types';

const badQuery = problemResponse(
  `A parameter is invalid, unknown, or \`hours\` is combined with \`from\`/\`to\`, or the window exceeds ${MAX_WINDOW_HOURS} hours.`,
  'validation-error',
);

const badSeriesQuery = problemResponse(
  'A parameter is invalid or unknown (`tz` must be an IANA zone both the API and its database know), `from` is ' +
    `not before \`to\`, the window exceeds ${MAX_SERIES_DAYS} days or the bucket would give over ${MAX_SERIES_POINTS} points.`,
  'validation-error',
);

const SERIES_DESCRIPTION =
  'Buckets (start, end] over the window (`from`, `to`], oldest first; buckets without readings are left out. ' +
  '1h and 1d buckets read the hourly rollups for whole hours and history for the rest, with the same figures.';

const tags = ['analytics'];

export const analyticsSection: OpenApi.Section = {
  tag: { name: 'analytics', description: 'Energy efficiency: DC delivered over AC consumed.' },
  schemas: modelSchemas(
    VehiclePerformance,
    FleetEfficiencyPage,
    VehicleSeries,
    VehicleSeriesPoint,
    MeterSeries,
    MeterSeriesPoint,
  ),
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
    '/v1/analytics/vehicles/{vehicleId}/series': {
      get: guarded('read', {
        tags,
        summary: "A vehicle's readings by bucket, for charts",
        description: `${SERIES_DESCRIPTION} AC and the efficiency ratio come from the vehicle's sessions in each bucket.`,
        parameters: [pathParam('vehicleId', 'The vehicle.', ref('DeviceId')), ...queryParameters(SeriesQueryDto)],
        responses: {
          200: jsonResponse('The series.', modelRef(VehicleSeries)),
          400: badSeriesQuery,
          404: problemResponse('The vehicle has never reported.', 'not-found'),
          ...databaseFailures,
        },
      }),
    },
    '/v1/analytics/meters/{meterId}/series': {
      get: guarded('read', {
        tags,
        summary: "A meter's readings by bucket, for charts",
        description: SERIES_DESCRIPTION,
        parameters: [pathParam('meterId', 'The meter.', ref('DeviceId')), ...queryParameters(SeriesQueryDto)],
        responses: {
          200: jsonResponse('The series.', modelRef(MeterSeries)),
          400: badSeriesQuery,
          404: problemResponse('The meter has never reported.', 'not-found'),
          ...databaseFailures,
        },
      }),
    },
  },
};
