import { Router } from 'express';
import { deviceIdParam } from '../validation/validate-request';
import type { LiveService } from './live.service';

export function liveRouter(service: LiveService): Router {
  const router = Router();
  router.get('/meters/:meterId', async (req, res) => {
    res.json(await service.meterStatus(deviceIdParam('meterId', req.params.meterId)));
  });
  router.get('/vehicles/:vehicleId', async (req, res) => {
    res.json(await service.vehicleStatus(deviceIdParam('vehicleId', req.params.vehicleId)));
  });
  return router;
}
