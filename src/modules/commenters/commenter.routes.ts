import { Router } from 'express';
import { requireIdentity } from '../../http/auth';
import type { SiteService } from '../sites/site.service';
import type { CommenterService } from './commenter.service';

/** The logged-in commenter's own profile. */
export function commenterRoutes(sites: SiteService, commenters: CommenterService): Router {
  const router = Router();

  router.get('/api/v1/sites/:site/me', async (req, res) => {
    const site = await sites.get(req.params.site);
    const identity = await requireIdentity(site, req);
    const profile = await commenters.find(site.id, identity.sub);
    res.json({
      me: {
        sub: identity.sub,
        name: identity.name,
        email: identity.email,
        roles: identity.roles,
        stored: profile
          ? { name: profile.name, email: profile.email, createdAt: profile.createdAt.toISOString() }
          : null,
      },
    });
  });

  return router;
}
