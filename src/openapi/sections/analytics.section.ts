import { databaseFailures, guarded, jsonResponse, nullable, pathParam, queryParam, ref } from '../openapi.common';
import { problemResponse } from '../openapi.problems';
import type * as OpenApi from '../openapi.types';

// The query rules of analytics.dto.ts; test/openapi checks both sides agree on the edges.
const MAX_WINDOW_HOURS = 8_760;
const MAX_PAGE_SIZE = 1_000;

const kwh = (description: string): OpenApi.Schema => ({ type: 'number', minimum: 0, description });

const schemas: Record<string, OpenApi.Schema> = {
  VehiclePerformance: {
    type: 'object',
    description:
      'DC delivered to a vehicle against the AC its chargers drew, over the window (`from` < reading time <= `to`). ' +
      'A reading counts for a session when `startedAt` < reading time <= `endedAt` (no end: ongoing).',
    required: [
      'vehicleId',
      'periodStart',
      'periodEnd',
      'totalKwhConsumedAc',
      'totalKwhDeliveredDc',
      'kwhDeliveredDcOutsideSessions',
      'efficiencyRatio',
      'averageBatteryTemp',
      'recordCount',
      'meterIds',
      'lowEfficiency',
      'dataQuality',
    ],
    additionalProperties: false,
    properties: {
      vehicleId: ref('DeviceId'),
      periodStart: ref('Instant'),
      periodEnd: ref('Instant'),
      totalKwhConsumedAc: kwh(
        "AC drawn: with `meterId`, that meter's readings in the window; otherwise each session's meter inside (session ∩ window).",
      ),
      totalKwhDeliveredDc: kwh(
        "DC delivered over the same periods as the AC: the vehicle's readings inside its sessions (∩ window), " +
          'or with `meterId` in the whole window.',
      ),
      kwhDeliveredDcOutsideSessions: kwh(
        "The vehicle's DC in the window outside its sessions; never part of the ratio. 0 with `meterId`.",
      ),
      efficiencyRatio: nullable(
        { type: 'number', minimum: 0 },
        'totalKwhDeliveredDc / totalKwhConsumedAc to 3 decimals; null when no AC was attributed.',
      ),
      averageBatteryTemp: nullable({ type: 'number' }, "°C, over the vehicle's readings in the window; null without any."),
      recordCount: {
        type: 'integer',
        minimum: 0,
        description: "The vehicle's readings in the window, inside its sessions or not.",
      },
      meterIds: { type: 'array', items: ref('DeviceId'), description: 'The meters the AC side was read from.' },
      lowEfficiency: {
        type: 'boolean',
        description: 'efficiencyRatio below the threshold; never set when `dataQuality` flags the figures.',
      },
      dataQuality: {
        type: 'array',
        items: { type: 'string', enum: ['dc-exceeds-ac'] },
        description:
          'Reasons not to trust the ratio; empty when the figures are plausible. `dc-exceeds-ac`: more DC was ' +
          'delivered than AC drawn over the same periods (a ratio above 1, or DC without any AC), which no ' +
          'charger can do: readings are missing or wrong.',
      },
    },
  },
  FleetEfficiencyPage: {
    type: 'object',
    required: ['periodStart', 'periodEnd', 'threshold', 'vehicles', 'nextCursor'],
    additionalProperties: false,
    properties: {
      periodStart: ref('Instant'),
      periodEnd: ref('Instant'),
      threshold: { type: 'number', minimum: 0, maximum: 1 },
      vehicles: {
        type: 'array',
        items: ref('VehiclePerformance'),
        description: 'Lowest ratio first (no ratio last), then by vehicle id.',
      },
      nextCursor: nullable({ type: 'string' }, 'Pass as `cursor` for the next page; null on the last one.'),
    },
  },
};

const windowParams: OpenApi.Parameter[] = [
  queryParam('hours', 'The window ends now and spans this many hours. Not with `from`/`to`.', {
    type: 'number',
    exclusiveMinimum: 0,
    maximum: MAX_WINDOW_HOURS,
    default: 24,
  }),
  queryParam(
    'from',
    'Window start, excluded: a reading at `from` closes an interval before the window. Instead of `hours`.',
    ref('ZonedTimestamp'),
  ),
  queryParam('to', 'Window end, included (needs `from`); now when omitted.', ref('ZonedTimestamp')),
];

const badQuery = problemResponse(
  `A parameter is invalid, unknown, or \`hours\` is combined with \`from\`/\`to\`, or the window exceeds ${MAX_WINDOW_HOURS} hours.`,
  'validation-error',
);

const tags = ['analytics'];

export const analyticsSection: OpenApi.Section = {
  tag: { name: 'analytics', description: 'Energy efficiency: DC delivered over AC consumed.' },
  schemas,
  paths: {
    '/v1/analytics/performance/{vehicleId}': {
      get: guarded('read', {
        tags,
        summary: "A vehicle's charging efficiency",
        description:
          'Totals, DC/AC ratio and average battery temperature over the window; `lowEfficiency` compares ' +
          'the ratio with `EFFICIENCY_ALERT_THRESHOLD` (0.85 by default).',
        parameters: [
          pathParam('vehicleId', 'The vehicle.', ref('DeviceId')),
          ...windowParams,
          queryParam('meterId', "Read the AC side from this meter instead of the vehicle's sessions.", ref('DeviceId')),
        ],
        responses: {
          200: jsonResponse('The figures.', ref('VehiclePerformance')),
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
        parameters: [
          ...windowParams,
          queryParam('threshold', 'Flag ratios below this; `EFFICIENCY_ALERT_THRESHOLD` by default.', {
            type: 'number',
            minimum: 0,
            maximum: 1,
          }),
          queryParam('limit', 'Page size.', { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 100 }),
          queryParam('cursor', "The previous page's `nextCursor`; it carries that page's window.", {
            type: 'string',
            maxLength: 512,
          }),
        ],
        responses: {
          200: jsonResponse('One page.', ref('FleetEfficiencyPage')),
          400: badQuery,
          ...databaseFailures,
        },
      }),
    },
  },
};
