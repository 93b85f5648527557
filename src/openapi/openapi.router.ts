import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import type * as OpenApi from '../contract/openapi.types';

const DOCS_OPTIONS: swaggerUi.SwaggerUiOptions = {
  customSiteTitle: 'Fleet Platform API',
  // Swagger UI would otherwise send the document to an online validator for its badge.
  swaggerOptions: { validatorUrl: null },
};

/**
 * The document at /openapi.json and Swagger UI at /docs. serveFiles (not the shared `serve`) keeps the
 * page's init script bound to this document; it is a separate file, so a strict script-src works.
 */
export function openApiRouter(openApiDocument: OpenApi.Document): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  router.use('/docs', swaggerUi.serveFiles(openApiDocument, DOCS_OPTIONS));
  router.get('/docs', swaggerUi.setup(openApiDocument, DOCS_OPTIONS));
  return router;
}
