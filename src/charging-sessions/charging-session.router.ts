import type { Router } from 'express';
import { guardedRouter } from '../auth/guarded-router';
import { requireJson } from '../http/require-json';
import { parseNewSession, parseSessionEnd, parseSessionQuery, sessionIdParam } from './charging-session.dto';
import type { ChargingSessionService } from './charging-session.service';

export function chargingSessionRouter(service: ChargingSessionService): Router {
  const routes = guardedRouter();
  // Sessions decide whose energy a meter's readings are, so only operators open and close them.
  routes.post('/', 'admin', requireJson, async (req, res) => {
    const session = await service.start(parseNewSession(req.body));
    res.status(201).location(`${req.baseUrl}/${session.id}`).json(session);
  });
  routes.patch('/:id', 'admin', requireJson, async (req, res) => {
    const id = sessionIdParam(req.params.id);
    res.json(await service.end(id, parseSessionEnd(req.body)));
  });
  routes.get('/', 'read', async (req, res) => {
    res.json({ sessions: await service.list(parseSessionQuery(req.query)) });
  });
  return routes.router;
}
