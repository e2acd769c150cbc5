import { Router } from 'express';
import { requireModerator } from '../auth/guards';
import { notFound } from '../../shared/errors';
import { parseOrThrow } from '../../shared/validate';
import { commentIdOr404 } from '../comments/comment.schemas';
import type { SiteService } from '../sites/site.service';
import type { DecisionService } from './decision.service';
import { decisionBody, reviewQueueParam, reviewQueueQuery } from './moderation.schemas';
import type { ReviewQueueService } from './review-queues.service';
import type { CaseQueue } from './case-queue';

export interface ModerationRouteDeps {
  sites: SiteService;
  reviewQueues: ReviewQueueService;
  decisions: DecisionService;
  /** Notices and appeals: queues of cases, each module's own. */
  caseQueues: CaseQueue[];
}

/**
 * The moderators' review queues and their decisions (role moderator/admin on the site).
 * Bans are in bans/, the log in moderation-log/.
 */
export function moderationRoutes({ sites, reviewQueues, decisions, caseQueues }: ModerationRouteDeps): Router {
  const router = Router();
  const base = '/api/v1/sites/:site/moderation';

  router.get(`${base}/queues`, async (req, res) => {
    const site = await sites.get(req.params.site as string);
    await requireModerator(site, req);
    const cases = await Promise.all(caseQueues.map(async (q) => [q.name, await q.count(site)] as const));
    res.json({ ...(await reviewQueues.counts(site)), ...Object.fromEntries(cases) });
  });

  router.get(`${base}/queues/:queue`, async (req, res) => {
    const site = await sites.get(req.params.site as string);
    const viewer = await requireModerator(site, req);
    const query = parseOrThrow(reviewQueueQuery, req.query);
    const cases = caseQueues.find((q) => q.name === req.params.queue);
    if (cases) {
      res.json({ ...(await cases.list(site, query, viewer)), origins: site.config.origins });
      return;
    }
    const queue = reviewQueueParam.safeParse(req.params.queue);
    if (!queue.success) throw notFound('queue');
    res.json(await reviewQueues.list(site, queue.data, query));
  });

  router.post(`${base}/comments/:id/decision`, async (req, res) => {
    const site = await sites.get(req.params.site as string);
    const identity = await requireModerator(site, req);
    const id = commentIdOr404(req.params.id as string);
    const body = parseOrThrow(decisionBody, req.body);
    res.json({ item: await decisions.decideByModerator(site, id, body, identity) });
  });

  return router;
}
