import type { Router } from 'express';
import { requireJson } from '../http/require-json';
import { validateRequest } from '../validation/validate-request';
import { CreateApiKeyDto } from './auth.dto';
import { guardedRouter } from './guarded-router';
import type { AuthService } from './auth.service';

/** Key management over HTTP for admin keys; `npm run keys` does the same from a shell. */
export function authRouter(auth: AuthService): Router {
  const routes = guardedRouter();
  routes.get('/', 'admin', async (_req, res) => {
    res.json(await auth.list());
  });
  routes.post('/', 'admin', requireJson, async (req, res) => {
    const { name, role } = validateRequest(CreateApiKeyDto, req.body, 'The key request is invalid.');
    res.status(201).json(await auth.create(name, role));
  });
  routes.delete('/:id', 'admin', async (req, res) => {
    res.json(await auth.revoke(req.params.id));
  });
  return routes.router;
}
