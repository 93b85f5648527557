import { Router } from 'express';
import { requireJson } from '../http/require-json';
import { validateRequest } from '../validation/validate-request';
import { CreateApiKeyDto } from './auth.dto';
import type { AuthService } from './auth.service';

/** Key management over HTTP for admin keys; `npm run keys` does the same from a shell. */
export function authRouter(auth: AuthService): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.json(await auth.list());
  });
  router.post('/', requireJson, async (req, res) => {
    const { name, role } = validateRequest(CreateApiKeyDto, req.body, 'The key request is invalid.');
    res.status(201).json(await auth.create(name, role));
  });
  router.delete('/:id', async (req, res) => {
    res.json(await auth.revoke(req.params.id));
  });
  return router;
}
