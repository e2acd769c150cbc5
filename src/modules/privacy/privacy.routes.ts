import { Response, Router } from 'express';
import { requireAdminKey } from '../../http/auth';
import { requireIdentity } from '../auth/guards';
import { parseOrThrow } from '../../shared/validate';
import type { SiteService } from '../sites/site.service';
import type { ErasureService } from './erasure.service';
import { erasureBatchView, erasureReceiptView, erasureView } from './erasure.view';
import type { ExportService } from './export.service';
import { adminSubjectBody, erasureListQuery, tokenQuery } from './privacy.schemas';

export interface PrivacyRouteDeps {
  sites: SiteService;
  erasure: ErasureService;
  subjectExports: ExportService;
  adminKey: string;
}

/** Data subjects' rights: export, erasure requests with receipts, and the privacy officer's view. */
export function privacyRoutes({ sites, erasure, subjectExports, adminKey }: PrivacyRouteDeps): Router {
  const router = Router();

  router.get('/api/v1/sites/:site/me/export', async (req, res) => {
    const site = await sites.get(req.params.site);
    const identity = await requireIdentity(site, req);
    sendExport(res, site.id, await subjectExports.ofCommenter(site.id, identity.sub));
  });

  router.post('/api/v1/sites/:site/me/erasure', async (req, res) => {
    const site = await sites.get(req.params.site);
    const identity = await requireIdentity(site, req);
    const filed = await erasure.requestBySubject(site, identity);
    res.setHeader('Cache-Control', 'no-store');
    res.status(202).json(erasureReceiptView(filed));
  });

  router.get('/api/v1/erasure-requests/:id', async (req, res) => {
    const { token } = parseOrThrow(tokenQuery, req.query);
    res.setHeader('Cache-Control', 'no-store');
    res.json(erasureView(await erasure.byToken(req.params.id as string, token)));
  });

  router.delete('/api/v1/erasure-requests/:id', async (req, res) => {
    const { token } = parseOrThrow(tokenQuery, req.query);
    res.json(erasureView(await erasure.cancel(req.params.id as string, token)));
  });

  router.post('/api/v1/admin/sites/:site/erasure-requests', requireAdminKey(adminKey), async (req, res) => {
    const site = await sites.get(req.params.site as string);
    const body = parseOrThrow(adminSubjectBody, req.body);
    res.status(202).json(erasureBatchView(await erasure.requestFor(site, body.subject)));
  });

  // A subject access request that arrived by mail: the officer downloads what the subject
  // would get from /me/export. POST, so an email address never sits in a URL or a proxy log.
  router.post('/api/v1/admin/sites/:site/exports', requireAdminKey(adminKey), async (req, res) => {
    const site = await sites.get(req.params.site as string);
    const body = parseOrThrow(adminSubjectBody, req.body);
    sendExport(res, site.id, await subjectExports.ofSubject(site.id, body.subject));
  });

  router.get('/api/v1/admin/erasure-requests', requireAdminKey(adminKey), async (req, res) => {
    const query = parseOrThrow(erasureListQuery, req.query);
    const list = await erasure.list({ status: query.status, overdue: query.overdue === 'true', siteId: query.site });
    res.json({ requests: list.map(erasureView) });
  });

  return router;
}

/** An export as a download that no cache keeps. */
function sendExport(res: Response, siteId: string, body: unknown): void {
  res.setHeader('Content-Disposition', `attachment; filename="kommentarer-${siteId}-export.json"`);
  res.setHeader('Cache-Control', 'no-store');
  res.json(body);
}
