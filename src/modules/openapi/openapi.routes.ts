import { Router } from 'express';
import type { OpenApiDocument } from './openapi.document';

export interface OpenApiRouteDeps {
  document: OpenApiDocument;
}

/** Serves the OpenAPI document (built once, by the app). */
export function openApiRoutes({ document }: OpenApiRouteDeps): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  return router;
}
