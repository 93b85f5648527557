import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import { ServiceUnavailableError } from '../errors/problem';

/** The package root: the nearest folder with package.json, from src/ under tsx or from dist/src/ once built. */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** Where `npm run build` (tools/dashboard/build.ts) writes the page, its script and its styles. */
export const DASHBOARD_DIR = path.join(packageRoot(__dirname), 'dist', 'dashboard');

/**
 * The dashboard at /dashboard, with / pointing there. The page is public static content: the figures
 * it shows come from /v1, which asks for a key like any other client.
 */
export function dashboardRouter(assetsDir = DASHBOARD_DIR): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.redirect(302, '/dashboard');
  });
  router.get('/dashboard', (_req, res, next) => {
    if (!existsSync(path.join(assetsDir, 'index.html'))) {
      throw new ServiceUnavailableError('The dashboard has not been built: run `npm run build`.', 60);
    }
    res.sendFile('index.html', { root: assetsDir }, (error) => error && next(error));
  });
  // Asset names carry no content hash; express's max-age=0 has the browser revalidate them (a 304 when unchanged).
  router.use('/dashboard', express.static(assetsDir, { index: false, redirect: false }));
  return router;
}
