import { Router } from 'express';
import { deviceIdParam } from '../validation/validate-request';
import { parseFleetQuery, parsePerformanceQuery } from './analytics.dto';
import type { AnalyticsService } from './analytics.service';

export function analyticsRouter(service: AnalyticsService): Router {
  const router = Router();
  router.get('/performance/:vehicleId', async (req, res) => {
    const vehicleId = deviceIdParam('vehicleId', req.params.vehicleId);
    const { window, meterId } = parsePerformanceQuery(req.query, new Date());
    res.json(await service.vehiclePerformance(vehicleId, window, meterId));
  });
  router.get('/fleet/efficiency', async (req, res) => {
    res.json(await service.fleetEfficiency(parseFleetQuery(req.query, new Date())));
  });
  return router;
}
