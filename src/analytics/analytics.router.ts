import type { Router } from 'express';
import { guardedRouter } from '../auth/guarded-router';
import { deviceIdParam } from '../validation/validate-request';
import { parseFleetQuery, parsePerformanceQuery } from './analytics.dto';
import type { AnalyticsService } from './analytics.service';
import { parseSeriesQuery } from './series.dto';
import type { SeriesService } from './series.service';

export function analyticsRouter(service: AnalyticsService, series: SeriesService): Router {
  const routes = guardedRouter();
  routes.get('/performance/:vehicleId', 'read', async (req, res) => {
    const vehicleId = deviceIdParam('vehicleId', req.params.vehicleId);
    const { window, meterId } = parsePerformanceQuery(req.query, new Date());
    res.json(await service.vehiclePerformance(vehicleId, window, meterId));
  });
  routes.get('/fleet/efficiency', 'read', async (req, res) => {
    res.json(await service.fleetEfficiency(parseFleetQuery(req.query, new Date())));
  });
  routes.get('/vehicles/:vehicleId/series', 'read', async (req, res) => {
    const vehicleId = deviceIdParam('vehicleId', req.params.vehicleId);
    res.json(await series.vehicleSeries(vehicleId, parseSeriesQuery(req.query, new Date())));
  });
  routes.get('/meters/:meterId/series', 'read', async (req, res) => {
    const meterId = deviceIdParam('meterId', req.params.meterId);
    res.json(await series.meterSeries(meterId, parseSeriesQuery(req.query, new Date())));
  });
  return routes.router;
}
