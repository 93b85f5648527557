import type * as OpenApi from '../contract/openapi.types';
import { databaseFailures, jsonResponse, pathParam } from '../contract/operations';
import { problemResponse } from '../contract/problems';
import type { Route, RouteTable } from '../contract/route-table';
import { modelRef, modelSchemas, ref } from '../validation/model-schema';
import { deviceIdParam } from '../validation/validate-request';
import { DeviceListQueryDto, parseDeviceListQuery } from './live.dto';
import {
  CurrentSession,
  MeterStatus,
  MeterStatusPage,
  VehicleListEntry,
  VehicleStatus,
  VehicleStatusPage,
} from './live.responses';
import type { LiveService } from './live.service';

type Kind = 'meter' | 'vehicle';

function statusResponses(kind: Kind, status: typeof MeterStatus | typeof VehicleStatus) {
  return {
    200: jsonResponse(`The ${kind}'s newest reading.`, modelRef(status)),
    400: problemResponse('The id breaks the id rule.', 'validation-error'),
    404: problemResponse(`The ${kind} has never reported.`, 'not-found'),
    ...databaseFailures,
  };
}

function listResponses(kind: Kind, page: typeof MeterStatusPage | typeof VehicleStatusPage) {
  return {
    200: jsonResponse(`A page of ${kind}s.`, modelRef(page)),
    400: problemResponse('A parameter is invalid.', 'validation-error'),
    ...databaseFailures,
  };
}

const listDescription = (kind: Kind) => `The newest reading of each ${kind} that ever reported, in id order, in pages.`;
const statusDescription = (kind: Kind) => `The ${kind}'s newest reading by timestamp, as kept in the live table.`;
const idParam = (kind: Kind): OpenApi.Parameter => pathParam(`${kind}Id`, `The ${kind} id.`, ref('DeviceId'));

const routes: Array<Route<LiveService>> = [
  {
    method: 'get',
    path: '/v1/meters',
    role: 'read',
    summary: 'Current status of every meter',
    description: listDescription('meter'),
    query: DeviceListQueryDto,
    responses: listResponses('meter', MeterStatusPage),
    handler: (service) => async (req, res) => {
      res.json(await service.meterStatuses(parseDeviceListQuery(req.query)));
    },
  },
  {
    method: 'get',
    path: '/v1/vehicles',
    role: 'read',
    summary: 'Current status of every vehicle',
    description: `${listDescription('vehicle')} Each also names the charging session it is in now, if any.`,
    query: DeviceListQueryDto,
    responses: listResponses('vehicle', VehicleStatusPage),
    handler: (service) => async (req, res) => {
      res.json(await service.vehicleStatuses(parseDeviceListQuery(req.query), new Date()));
    },
  },
  {
    method: 'get',
    path: '/v1/meters/:meterId',
    role: 'read',
    summary: 'Current status of a meter',
    description: statusDescription('meter'),
    params: [idParam('meter')],
    responses: statusResponses('meter', MeterStatus),
    handler: (service) => async (req, res) => {
      res.json(await service.meterStatus(deviceIdParam('meterId', req.params.meterId)));
    },
  },
  {
    method: 'get',
    path: '/v1/vehicles/:vehicleId',
    role: 'read',
    summary: 'Current status of a vehicle',
    description: statusDescription('vehicle'),
    params: [idParam('vehicle')],
    responses: statusResponses('vehicle', VehicleStatus),
    handler: (service) => async (req, res) => {
      res.json(await service.vehicleStatus(deviceIdParam('vehicleId', req.params.vehicleId)));
    },
  },
];

export const liveRoutes: RouteTable<LiveService> = {
  tag: { name: 'live', description: 'The newest reading of each device.' },
  schemas: modelSchemas(
    MeterStatus,
    VehicleStatus,
    CurrentSession,
    VehicleListEntry,
    MeterStatusPage,
    VehicleStatusPage,
  ),
  routes,
};
