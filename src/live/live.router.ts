import type { Router } from 'express';
import { guardedRouter } from '../auth/guarded-router';
import { deviceIdParam } from '../validation/validate-request';
import { parseDeviceListQuery } from './live.dto';
import type { LiveService } from './live.service';

export function liveRouter(service: LiveService): Router {
  const routes = guardedRouter();
  routes.get('/meters', 'read', async (req, res) => {
    res.json(await service.meterStatuses(parseDeviceListQuery(req.query)));
  });
  routes.get('/vehicles', 'read', async (req, res) => {
    res.json(await service.vehicleStatuses(parseDeviceListQuery(req.query), new Date()));
  });
  routes.get('/meters/:meterId', 'read', async (req, res) => {
    res.json(await service.meterStatus(deviceIdParam('meterId', req.params.meterId)));
  });
  routes.get('/vehicles/:vehicleId', 'read', async (req, res) => {
    res.json(await service.vehicleStatus(deviceIdParam('vehicleId', req.params.vehicleId)));
  });
  return routes.router;
}
