import type { Router } from 'express';
import { guardedRouter } from '../auth/guarded-router';
import { deviceIdParam } from '../validation/validate-request';
import { parseFleetQuery, parsePerformanceQuery } from './analytics.dto';
import type { AnalyticsService } from './analytics.service';

export function analyticsRouter(service: AnalyticsService): Router {
  const routes = guardedRouter();
  routes.get('/performance/:vehicleId', 'read', async (req, res) => {
    const vehicleId = deviceIdParam('vehicleId', req.params.vehicleId);
    const { window, meterId } = parsePerformanceQuery(req.query, new Date());
    res.json(await service.vehiclePerformance(vehicleId, window, meterId));
  });
  routes.get('/fleet/efficiency', 'read', async (req, res) => {
    res.json(await service.fleetEfficiency(parseFleetQuery(req.query, new Date())));
  });
  return routes.router;
}
