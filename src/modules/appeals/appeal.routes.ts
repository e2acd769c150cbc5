import { Router } from 'express';
import { requireIdentity, requireModerator } from '../auth/guards';
import { notFound } from '../../shared/errors';
import { parseOrThrow } from '../../shared/validate';
import { siteOfComment } from '../comments/comment-site';
import { objectIdString } from '../comments/comment.schemas';
import type { CommentService } from '../comments/comment.service';
import type { SiteService } from '../sites/site.service';
import { appealBody, appealDecisionBody } from './appeal.schemas';
import type { AppealService } from './appeal.service';
import { appealView } from './appeal.view';

export interface AppealRouteDeps {
  sites: SiteService;
  comments: CommentService;
  appeals: AppealService;
}

/** Appeals: filed by the author or the banned commenter, decided by another moderator. */
export function appealRoutes({ sites, comments, appeals }: AppealRouteDeps): Router {
  const router = Router();

  router.post('/api/v1/comments/:id/appeal', async (req, res) => {
    const { site, id } = await siteOfComment(sites, comments, req.params.id as string);
    const identity = await requireIdentity(site, req);
    const { text } = parseOrThrow(appealBody, req.body);
    const appeal = await appeals.appealComment(site, identity, id, text);
    res.status(201).json({ appeal: { id: String(appeal._id), status: appeal.status } });
  });

  router.get('/api/v1/sites/:site/me/ban', async (req, res) => {
    const site = await sites.get(req.params.site as string);
    const identity = await requireIdentity(site, req);
    res.setHeader('Cache-Control', 'private, no-store');
    res.json({ ban: await appeals.banStatement(site, identity) });
  });

  router.post('/api/v1/sites/:site/me/ban/appeal', async (req, res) => {
    const site = await sites.get(req.params.site as string);
    const identity = await requireIdentity(site, req);
    const { text } = parseOrThrow(appealBody, req.body);
    const appeal = await appeals.appealBan(site, identity, text);
    res.status(201).json({ appeal: { id: String(appeal._id), status: appeal.status } });
  });

  router.post('/api/v1/sites/:site/moderation/appeals/:id/decision', async (req, res) => {
    const site = await sites.get(req.params.site as string);
    const identity = await requireModerator(site, req);
    const id = objectIdString.safeParse(req.params.id);
    if (!id.success) throw notFound('appeal');
    const body = parseOrThrow(appealDecisionBody, req.body);
    res.json({ appeal: appealView(await appeals.decide(site, id.data, body, identity)) });
  });

  return router;
}
