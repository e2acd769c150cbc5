import { Router } from 'express';
import { requireModerator } from '../auth/guards';
import { parseOrThrow } from '../../shared/validate';
import type { SiteService } from '../sites/site.service';
import { logQuery } from './moderation-log.schemas';
import type { ModerationLogService } from './moderation-log.service';

export interface ModerationLogRouteDeps {
  sites: SiteService;
  log: ModerationLogService;
}

/** The moderation log as moderators read it (role moderator/admin on the site). */
export function moderationLogRoutes({ sites, log }: ModerationLogRouteDeps): Router {
  const router = Router();

  router.get('/api/v1/sites/:site/moderation/log', async (req, res) => {
    const site = await sites.get(req.params.site);
    await requireModerator(site, req);
    const query = parseOrThrow(logQuery, req.query);
    res.json(await log.list(site.id, query.cursor, query.limit));
  });

  return router;
}
