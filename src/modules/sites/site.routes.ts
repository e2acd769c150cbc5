import { Router } from 'express';
import { requireAdminKey } from '../../http/auth';
import { parseOrThrow } from '../../shared/validate';
import { siteIdSchema } from '../../shared/safe-text';
import type { SiteService } from './site.service';
import { siteAdminView } from './site.view';

export interface SiteAdminRouteDeps {
  sites: SiteService;
  adminKey: string;
}

/** Admin endpoints for site configuration (ADMIN_API_KEY). */
export function siteAdminRoutes({ sites, adminKey }: SiteAdminRouteDeps): Router {
  const router = Router();
  router.use('/api/v1/admin', requireAdminKey(adminKey));

  router.put('/api/v1/admin/sites/:site', async (req, res) => {
    const siteId = parseOrThrow(siteIdSchema, req.params.site);
    const { site, created } = await sites.put(siteId, req.body);
    res.status(created ? 201 : 200).json({ site: siteAdminView(site) });
  });

  router.get('/api/v1/admin/sites', async (_req, res) => {
    res.json({ sites: (await sites.list()).map(siteAdminView) });
  });

  router.get('/api/v1/admin/sites/:site', async (req, res) => {
    const site = await sites.get(req.params.site);
    res.json({ site: siteAdminView(site) });
  });

  router.patch('/api/v1/admin/sites/:site', async (req, res) => {
    const site = await sites.patch(req.params.site, req.body);
    res.json({ site: siteAdminView(site) });
  });

  return router;
}
