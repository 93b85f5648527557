import type { Request, Response } from 'express';
import type { RouteHandler } from '../contract/route-table';
import { ipKeyGenerator } from 'express-rate-limit';
import { accessOf } from '../auth/auth.public';
import { NotAcceptableError } from '../errors/problem';
import { deviceIdParam } from '../validation/validate-request';
import { parseExportQuery, parsePageQuery } from './export.dto';
import type { ReadingDevice } from './export.repository';
import type { ExportService } from './export.service';

const EXPORT_MEDIA_TYPES = ['application/json', 'text/csv'] as const;

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

async function sendCsv(service: ExportService, req: Request, res: Response, device: ReadingDevice, id: string) {
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
}

/** A device's readings as JSON pages, or as one CSV file when the client prefers it. */
export const readingsHandler =
  (device: ReadingDevice, param: 'vehicleId' | 'meterId') =>
  (service: ExportService): RouteHandler =>
  async (req, res) => {
    const id = deviceIdParam(param, req.params[param]);
    if (wantsCsv(req, res)) return sendCsv(service, req, res, device, id);
    const query = parsePageQuery(id, req.query, new Date());
    res.json(await (device === 'vehicle' ? service.vehiclePage(id, query) : service.meterPage(id, query)));
  };
