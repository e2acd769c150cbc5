import { Router } from 'express';
import { buildOpenApiDocument } from './openapi.document';

/** Serves the OpenAPI document, built once. */
export function openApiRoutes(publicUrl: string): Router {
  const router = Router();
  const document = buildOpenApiDocument(publicUrl);
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  return router;
}
