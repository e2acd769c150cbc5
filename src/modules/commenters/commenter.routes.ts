import { Router } from 'express';
import { requireIdentity } from '../auth/guards';
import type { SiteService } from '../sites/site.service';
import type { CommenterService } from './commenter.service';
import { meView } from './commenter.view';

export interface CommenterRouteDeps {
  sites: SiteService;
  commenters: CommenterService;
}

/** The logged-in commenter's own profile. */
export function commenterRoutes({ sites, commenters }: CommenterRouteDeps): Router {
  const router = Router();

  router.get('/api/v1/sites/:site/me', async (req, res) => {
    const site = await sites.get(req.params.site);
    const identity = await requireIdentity(site, req);
    res.json({ me: meView(identity, await commenters.find(site.id, identity.sub)) });
  });

  return router;
}
