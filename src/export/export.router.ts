import type { Request, Response, Router } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { accessOf } from '../auth/auth.middleware';
import { guardedRouter } from '../auth/guarded-router';
import { NotAcceptableError } from '../errors/problem';
import { deviceIdParam } from '../validation/validate-request';
import { parseExportQuery, parsePageQuery } from './export.dto';
import type { ReadingDevice } from './export.repository';
import type { ExportService } from './export.service';

export const EXPORT_MEDIA_TYPES = ['application/json', 'text/csv'] as const;

/** JSON unless the client prefers CSV; a client that takes neither is told so before any work is done. */
function wantsCsv(req: Request, res: Response): boolean {
  res.vary('Accept');
  const type = req.accepts([...EXPORT_MEDIA_TYPES]);
  if (type === false) throw new NotAcceptableError(`Readings come as ${EXPORT_MEDIA_TYPES.join(' or ')}.`);
  return type === 'text/csv';
}

/** Whom a CSV export counts against: the API key, or the client's address (as the rate limit keys it) without keys. */
function callerOf(req: Request, res: Response): string {
  const access = accessOf(res);
  return access && !access.open ? `key:${access.principal.id}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
}

export function exportRouter(service: ExportService): Router {
  const routes = guardedRouter();

  const sendCsv = async (req: Request, res: Response, device: ReadingDevice, id: string) => {
    const window = parseExportQuery(req.query, new Date());
    const headers = () => res.attachment(`${device}-${id}-readings.csv`).type('text/csv; charset=utf-8');
    // HEAD gets what GET answers before its first row, and no COPY runs for a body nobody receives.
    if (req.method === 'HEAD') {
      await service.known(device, id);
      headers().end();
      return;
    }
    const write = await service.csv(device, id, window, callerOf(req, res));
    headers();
    await write(res);
  };

  routes.get('/vehicles/:vehicleId/readings', 'read', async (req, res) => {
    const vehicleId = deviceIdParam('vehicleId', req.params.vehicleId);
    if (wantsCsv(req, res)) return sendCsv(req, res, 'vehicle', vehicleId);
    res.json(await service.vehiclePage(vehicleId, parsePageQuery(vehicleId, req.query, new Date())));
  });
  routes.get('/meters/:meterId/readings', 'read', async (req, res) => {
    const meterId = deviceIdParam('meterId', req.params.meterId);
    if (wantsCsv(req, res)) return sendCsv(req, res, 'meter', meterId);
    res.json(await service.meterPage(meterId, parsePageQuery(meterId, req.query, new Date())));
  });
  return routes.router;
}
