import { Router, type Request } from 'express';
import { requireJson } from '../http/require-json';
import { parseNewSession, parseSessionEnd, parseSessionQuery, sessionIdParam } from './charging-session.dto';
import type { ChargingSessionService } from './charging-session.service';

export function chargingSessionRouter(service: ChargingSessionService): Router {
  const router = Router();
  router.post('/', requireJson, async (req, res) => {
    const session = await service.start(parseNewSession(req.body));
    res.status(201).location(`${req.baseUrl}/${session.id}`).json(session);
  });
  router.patch('/:id', requireJson, async (req: Request<{ id: string }>, res) => {
    const id = sessionIdParam(req.params.id);
    res.json(await service.end(id, parseSessionEnd(req.body)));
  });
  router.get('/', async (req, res) => {
    res.json({ sessions: await service.list(parseSessionQuery(req.query)) });
  });
  return router;
}
