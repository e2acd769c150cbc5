import { Router } from 'express';
import { z } from 'zod';
import { requireModerator } from '../../http/auth';
import { AppError } from '../../http/errors';
import { parseOrThrow } from '../../http/validate';
import { safeLine, threadKeySchema } from '../../shared/safe-text';
import type { CommenterService } from '../commenters/commenter.service';
import { CommentModel } from '../comments/comment.model';
import { commentIdOr404 } from '../comments/comment.schemas';
import { cursorSchema } from '../comments/cursor';
import type { SiteService } from '../sites/site.service';
import type { BanService } from './ban.service';
import { DecisionService, outcomeOf } from './decision.service';
import { moderatorActor, ModerationLogService } from './moderation-log.service';
import { hasOpenReports, ModerationQueueService, QUEUES } from './queue.service';

export const decisionBody = z.object({
  action: z.enum(['approve', 'reject']),
  reason: safeLine(500).optional(),
  version: z.number().int().min(1).optional(),
}).strict();
export const banBody = z.object({ reason: safeLine(500), until: z.string().datetime({ offset: true }).optional() }).strict();
export const queueQuery = z.object({
  cursor: cursorSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  thread: threadKeySchema.optional(),
}).strict();
export const logQuery = z.object({ cursor: cursorSchema.optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();
export const subParam = safeLine(256);

export interface ModerationRouteDeps {
  sites: SiteService;
  commenters: CommenterService;
  queues: ModerationQueueService;
  decisions: DecisionService;
  bans: BanService;
  log: ModerationLogService;
}

/** The moderators' API: queues, decisions, bans and the log (role moderator/admin on the site). */
export function moderationRoutes(deps: ModerationRouteDeps): Router {
  const router = Router();
  const base = '/api/v1/sites/:site/moderation';

  async function moderatorContext(siteId: string, req: Parameters<typeof requireModerator>[1]) {
    const site = await deps.sites.get(siteId);
    const identity = await requireModerator(site, req);
    return { site, identity };
  }

  router.get(`${base}/queues`, async (req, res) => {
    const { site } = await moderatorContext(req.params.site as string, req);
    res.json(await deps.queues.counts(site));
  });

  router.get(`${base}/queues/:queue`, async (req, res) => {
    const { site } = await moderatorContext(req.params.site as string, req);
    const queue = z.enum(QUEUES).safeParse(req.params.queue);
    if (!queue.success) throw new AppError('NOT_FOUND', { what: 'queue' });
    const query = parseOrThrow(queueQuery, req.query);
    res.json(await deps.queues.list(site, queue.data, query));
  });

  router.post(`${base}/comments/:id/decision`, async (req, res) => {
    const { site, identity } = await moderatorContext(req.params.site as string, req);
    const id = commentIdOr404(req.params.id as string);
    const body = parseOrThrow(decisionBody, req.body);
    const comment = await CommentModel.findOne({ _id: id, siteId: site.id }).lean();
    if (!comment) throw new AppError('NOT_FOUND', { what: 'comment' });
    const stale = body.version !== undefined
      ? body.version !== comment.version
      // Without a version, only comments still waiting for a person can be decided.
      : !(comment.status === 'pending' && comment.held) && !(comment.status === 'published' && await hasOpenReports(comment._id));
    if (stale || comment.status === 'removed') {
      throw new AppError('ALREADY_DECIDED', { currentVersion: comment.version, status: comment.status });
    }
    const updated = await deps.decisions.decide(comment, outcomeOf(body.action), await moderatorActor(deps.commenters, identity), { reason: body.reason ?? null });
    if (!updated) throw new AppError('ALREADY_DECIDED', { status: comment.status });
    res.json({ item: await deps.queues.item(site, updated) });
  });

  router.post(`${base}/users/:sub/ban`, async (req, res) => {
    const { site, identity } = await moderatorContext(req.params.site as string, req);
    const sub = parseOrThrow(subParam, req.params.sub);
    const body = parseOrThrow(banBody, req.body);
    const until = body.until ? new Date(body.until) : null;
    if (until && until.getTime() <= Date.now()) {
      throw new AppError('VALIDATION_FAILED', { issues: [{ path: 'until', problem: 'must be in the future' }] });
    }
    const ban = await deps.bans.ban(site.id, sub, body.reason, until, await moderatorActor(deps.commenters, identity));
    res.status(201).json({ ban: { reason: ban.reason, until: ban.until?.toISOString() ?? null, createdAt: ban.createdAt.toISOString() } });
  });

  router.delete(`${base}/users/:sub/ban`, async (req, res) => {
    const { site, identity } = await moderatorContext(req.params.site as string, req);
    const sub = parseOrThrow(subParam, req.params.sub);
    await deps.bans.lift(site.id, sub, await moderatorActor(deps.commenters, identity));
    res.status(204).end();
  });

  router.get(`${base}/log`, async (req, res) => {
    const { site } = await moderatorContext(req.params.site as string, req);
    const query = parseOrThrow(logQuery, req.query);
    res.json(await deps.log.list(site.id, query.cursor, query.limit));
  });

  return router;
}
