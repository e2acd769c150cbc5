import { Router } from 'express';
import type { SiteService } from '../sites/site.service';

export interface ReasonRouteDeps {
  sites: SiteService;
}

/**
 * The site's reason catalogue: read and replaced with the admin key (checked for every
 * /api/v1/admin path by the site routes), and read by anyone without the rule mapping:
 * the labels and grounds are what authors, notifiers and moderators are shown.
 */
export function reasonRoutes({ sites }: ReasonRouteDeps): Router {
  const router = Router();

  router.get('/api/v1/admin/sites/:site/reasons', async (req, res) => {
    const site = await sites.get(req.params.site);
    res.json(site.reasons);
  });

  router.get('/api/v1/sites/:site/reasons', async (req, res) => {
    const site = await sites.get(req.params.site);
    res.json({ reasons: site.reasons.reasons });
  });

  router.put('/api/v1/admin/sites/:site/reasons', async (req, res) => {
    res.json(await sites.putReasons(req.params.site, req.body));
  });

  return router;
}
