import { databaseFailures, jsonResponse, pathParam } from '../contract/operations';
import { problemResponse } from '../contract/problems';
import type { RouteTable } from '../contract/route-table';
import { modelRef, modelSchemas, ref } from '../validation/model-schema';
import { deviceIdParam } from '../validation/validate-request';
import {
  FleetQueryDto,
  JudgedQueryDto,
  MAX_WINDOW_HOURS,
  parseFleetQuery,
  parseJudgedQuery,
  parsePerformanceQuery,
  PerformanceQueryDto,
} from './analytics.dto';
import { FleetEfficiencyPage, FleetVehicle, VehiclePerformance } from './analytics.responses';
import type { AnalyticsService } from './analytics.service';
import { ElsewhereFigures, MeterEfficiency, MeterVehicle } from './meter-efficiency.responses';
import type { MeterEfficiencyService } from './meter-efficiency.service';
import { MAX_SERIES_DAYS, MAX_SERIES_POINTS, parseSeriesQuery, SeriesQueryDto } from './series.dto';
import { MeterSeries, MeterSeriesPoint, VehicleSeries, VehicleSeriesPoint } from './series.responses';
import type { SeriesService } from './series.service';

export interface AnalyticsDeps {
  analytics: AnalyticsService;
  meters: MeterEfficiencyService;
  series: SeriesService;
}

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

export const analyticsRoutes: RouteTable<AnalyticsDeps> = {
  tag: { name: 'analytics', description: 'Energy efficiency: DC delivered over AC consumed.' },
  schemas: modelSchemas(
    VehiclePerformance,
    FleetVehicle,
    FleetEfficiencyPage,
    MeterEfficiency,
    MeterVehicle,
    ElsewhereFigures,
    VehicleSeries,
    VehicleSeriesPoint,
    MeterSeries,
    MeterSeriesPoint,
  ),
  routes: [
    {
      method: 'get',
      path: '/v1/analytics/performance/:vehicleId',
      role: 'read',
      summary: "A vehicle's charging efficiency",
      description:
        'Totals, DC/AC ratio and average battery temperature over the window; `lowEfficiency` compares ' +
        'the ratio with `EFFICIENCY_ALERT_THRESHOLD` (0.85 by default).',
      params: [pathParam('vehicleId', 'The vehicle.', ref('DeviceId'))],
      query: PerformanceQueryDto,
      responses: {
        200: jsonResponse('The figures.', modelRef(VehiclePerformance)),
        400: badQuery,
        404: problemResponse('The vehicle has never reported.', 'not-found'),
        ...databaseFailures,
      },
      handler:
        ({ analytics }) =>
        async (req, res) => {
          const vehicleId = deviceIdParam('vehicleId', req.params.vehicleId);
          const { window, meterId } = parsePerformanceQuery(req.query, new Date());
          res.json(await analytics.vehiclePerformance(vehicleId, window, meterId));
        },
    },
    {
      method: 'get',
      path: '/v1/analytics/fleet/efficiency',
      role: 'read',
      summary: 'Fleet efficiency, least efficient first',
      description: 'The vehicles with charging sessions in the window and their figures, a page at a time.',
      query: FleetQueryDto,
      responses: {
        200: jsonResponse('One page.', modelRef(FleetEfficiencyPage)),
        400: badQuery,
        ...databaseFailures,
      },
      handler:
        ({ analytics }) =>
        async (req, res) => {
          res.json(await analytics.fleetEfficiency(parseFleetQuery(req.query, new Date())));
        },
    },
    {
      method: 'get',
      path: '/v1/analytics/meters/:meterId/efficiency',
      role: 'read',
      summary: 'A charger and the vehicles it fed: charger or vehicle?',
      description:
        'Each vehicle the meter fed in the window, with the ratio of its sessions here and of its sessions on ' +
        'every other meter, and whether the charger or the vehicle is the likely culprit of low figures.',
      params: [pathParam('meterId', 'The meter.', ref('DeviceId'))],
      query: JudgedQueryDto,
      responses: {
        200: jsonResponse('The meter and its vehicles.', modelRef(MeterEfficiency)),
        400: badQuery,
        404: problemResponse('The meter has never reported.', 'not-found'),
        ...databaseFailures,
      },
      handler:
        ({ meters }) =>
        async (req, res) => {
          const meterId = deviceIdParam('meterId', req.params.meterId);
          const { window, threshold } = parseJudgedQuery(req.query, new Date());
          res.json(await meters.meterEfficiency(meterId, window, threshold));
        },
    },
    {
      method: 'get',
      path: '/v1/analytics/vehicles/:vehicleId/series',
      role: 'read',
      summary: "A vehicle's readings by bucket, for charts",
      description: `${SERIES_DESCRIPTION} AC and the efficiency ratio come from the vehicle's sessions in each bucket.`,
      params: [pathParam('vehicleId', 'The vehicle.', ref('DeviceId'))],
      query: SeriesQueryDto,
      responses: {
        200: jsonResponse('The series.', modelRef(VehicleSeries)),
        400: badSeriesQuery,
        404: problemResponse('The vehicle has never reported.', 'not-found'),
        ...databaseFailures,
      },
      handler:
        ({ series }) =>
        async (req, res) => {
          const vehicleId = deviceIdParam('vehicleId', req.params.vehicleId);
          res.json(await series.vehicleSeries(vehicleId, parseSeriesQuery(req.query, new Date())));
        },
    },
    {
      method: 'get',
      path: '/v1/analytics/meters/:meterId/series',
      role: 'read',
      summary: "A meter's readings by bucket, for charts",
      description: SERIES_DESCRIPTION,
      params: [pathParam('meterId', 'The meter.', ref('DeviceId'))],
      query: SeriesQueryDto,
      responses: {
        200: jsonResponse('The series.', modelRef(MeterSeries)),
        400: badSeriesQuery,
        404: problemResponse('The meter has never reported.', 'not-found'),
        ...databaseFailures,
      },
      handler:
        ({ series }) =>
        async (req, res) => {
          const meterId = deviceIdParam('meterId', req.params.meterId);
          res.json(await series.meterSeries(meterId, parseSeriesQuery(req.query, new Date())));
        },
    },
  ],
};
