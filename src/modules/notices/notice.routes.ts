import { Router } from 'express';
import { requireModerator } from '../auth/guards';
import { clientIp } from '../../http/request-context';
import { notFound } from '../../shared/errors';
import { parseOrThrow } from '../../shared/validate';
import type { SiteService } from '../sites/site.service';
import type { NoticeDecisions } from './notice-decisions';
import { noticeBody, noticeDecisionBody, noticeIdParam, noticeTokenQuery } from './notice.schemas';
import type { NoticeService } from './notice.service';
import { noticeStatusView } from './notice.view';

export interface NoticeRouteDeps {
  sites: SiteService;
  notices: NoticeService;
  noticeDecisions: NoticeDecisions;
}

/**
 * Notices of illegal content: sent without a login, read back with the token the answer
 * gave, decided by the site's moderators (their queue is `notices`, see notice-queue.ts).
 */
export function noticeRoutes({ sites, notices, noticeDecisions }: NoticeRouteDeps): Router {
  const router = Router();

  router.post('/api/v1/sites/:site/notices', async (req, res) => {
    const site = await sites.get(req.params.site);
    const input = parseOrThrow(noticeBody, req.body);
    const { notice, token } = await notices.submit(site, input, { ip: clientIp(req) });
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({ notice: { id: String(notice._id), status: notice.status }, token });
  });

  router.get('/api/v1/notices/:id', async (req, res) => {
    const { token } = parseOrThrow(noticeTokenQuery, req.query);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ notice: noticeStatusView(await notices.byToken(req.params.id, token)) });
  });

  router.post('/api/v1/sites/:site/moderation/notices/:id/decision', async (req, res) => {
    const site = await sites.get(req.params.site);
    const identity = await requireModerator(site, req);
    const id = noticeIdParam.safeParse(req.params.id);
    if (!id.success) throw notFound('notice');
    const body = parseOrThrow(noticeDecisionBody, req.body);
    res.json({ notice: await noticeDecisions.decide(site, identity, id.data, body) });
  });

  return router;
}
