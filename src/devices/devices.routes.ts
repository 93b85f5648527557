import type * as OpenApi from '../contract/openapi.types';
import { bodyFailures, databaseFailures, jsonBody, jsonResponse, pathParam } from '../contract/operations';
import { problemResponse } from '../contract/problems';
import type { RouteTable } from '../contract/route-table';
import { modelRef, modelSchemas, ref } from '../validation/model-schema';
import { deviceIdParam } from '../validation/validate-request';
import {
  DeviceChangeDto,
  DeviceRegistryQueryDto,
  NewDeviceDto,
  parseDeviceChange,
  parseDeviceRegistryQuery,
  parseNewDevice,
} from './devices.dto';
import { DevicePage, DeviceView } from './devices.responses';
import type { DeviceService } from './devices.service';

const idParam: OpenApi.Parameter = pathParam('id', 'The device id.', ref('DeviceId'));
const notFound = problemResponse('No device with this id is registered.', 'not-found');
const badId = problemResponse('The id breaks the id rule.', 'validation-error');

// The registry decides which devices the fleet has; only operators change it.
export const deviceRoutes: RouteTable<DeviceService> = {
  tag: {
    name: 'devices',
    description: 'The device registry: every meter and vehicle, named, and retired when it goes.',
  },
  schemas: modelSchemas(NewDeviceDto, DeviceChangeDto, DeviceView, DevicePage),
  routes: [
    {
      method: 'get',
      path: '/v1/devices',
      role: 'admin',
      summary: 'List registered devices',
      description: 'In id order, in pages; `kind` and `state` narrow the list.',
      query: DeviceRegistryQueryDto,
      responses: {
        200: jsonResponse('A page of devices.', modelRef(DevicePage)),
        400: problemResponse('A parameter is invalid.', 'validation-error'),
        ...databaseFailures,
      },
      handler: (devices) => async (req, res) => {
        res.json(await devices.list(parseDeviceRegistryQuery(req.query)));
      },
    },
    {
      method: 'post',
      path: '/v1/devices',
      role: 'admin',
      summary: 'Register a device',
      description: 'A device id names one device, whatever its kind.',
      body: jsonBody('The device.', modelRef(NewDeviceDto)),
      responses: {
        201: {
          ...jsonResponse('Registered.', modelRef(DeviceView)),
          headers: { Location: { description: 'The device, `/v1/devices/{id}`.', schema: { type: 'string' } } },
        },
        ...bodyFailures,
        409: problemResponse('A device with this id is already registered.', 'conflict'),
        ...databaseFailures,
      },
      handler: (devices) => async (req, res) => {
        const device = await devices.register(parseNewDevice(req.body));
        res.status(201).location(`/v1/devices/${device.id}`).json(device);
      },
    },
    {
      method: 'get',
      path: '/v1/devices/:id',
      role: 'admin',
      summary: 'A registered device',
      params: [idParam],
      responses: {
        200: jsonResponse('The device.', modelRef(DeviceView)),
        400: badId,
        404: notFound,
        ...databaseFailures,
      },
      handler: (devices) => async (req, res) => {
        res.json(await devices.get(deviceIdParam('id', req.params.id)));
      },
    },
    {
      method: 'patch',
      path: '/v1/devices/:id',
      role: 'admin',
      summary: 'Rename, retire or reinstate a device, or set its reporting interval',
      description:
        'Only the fields given change; `label: null` removes the label, `reportingIntervalSeconds: null` ' +
        'returns the device to the service default.',
      params: [idParam],
      body: jsonBody('The change.', modelRef(DeviceChangeDto)),
      responses: {
        200: jsonResponse('The device as changed.', modelRef(DeviceView)),
        ...bodyFailures,
        404: notFound,
        ...databaseFailures,
      },
      handler: (devices) => async (req, res) => {
        res.json(await devices.change(deviceIdParam('id', req.params.id), parseDeviceChange(req.body)));
      },
    },
    {
      method: 'delete',
      path: '/v1/devices/:id',
      role: 'admin',
      summary: 'Decommission a device',
      description: 'The device is retired; its record and its history stay. Decommissioning again changes nothing.',
      params: [idParam],
      responses: {
        200: jsonResponse('The device, decommissioned.', modelRef(DeviceView)),
        400: badId,
        404: notFound,
        ...databaseFailures,
      },
      handler: (devices) => async (req, res) => {
        res.json(await devices.change(deviceIdParam('id', req.params.id), { state: 'decommissioned' }));
      },
    },
  ],
};
