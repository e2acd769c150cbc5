import { Router } from 'express';
import { z } from 'zod';
import { optionalIdentity, requireModerator } from '../../http/auth';
import { parseOrThrow } from '../../http/validate';
import { safeLine, threadKeySchema } from '../../shared/safe-text';
import type { CommenterService } from '../commenters/commenter.service';
import { listCommentsQuery, threadQuery } from '../comments/comment.schemas';
import type { CommentService } from '../comments/comment.service';
import { moderatorActor, ModerationLogService } from '../moderation/moderation-log.service';
import type { SiteService } from '../sites/site.service';
import type { ThreadService } from './thread.service';

export const closeBody = z.object({ thread: threadKeySchema, reason: safeLine(500).optional() }).strict();
export const reopenBody = z.object({ thread: threadKeySchema }).strict();
/** Most keys one counts request may ask for (an article list's page). */
export const MAX_COUNT_KEYS = 50;
/** `?key=a&key=b`: one to MAX_COUNT_KEYS thread keys as asked (repeats included), each counted once. */
export const countsQuery = z.object({
  key: z.union([threadKeySchema.transform((k) => [k]), z.array(threadKeySchema).max(MAX_COUNT_KEYS)])
    .transform((keys) => [...new Set(keys)])
    .pipe(z.array(z.string()).min(1).max(MAX_COUNT_KEYS)),
}).strict();
/**
 * `include=comments` adds the first page of comments (as GET …/comments answers it), so the
 * widget shows a thread with one request; `sort` and `limit` then apply to that page.
 */
export const includeQuery = z.object({
  include: z.literal('comments').optional(),
  sort: listCommentsQuery.shape.sort,
  limit: listCommentsQuery.shape.limit,
}).strict();

export interface ThreadRouteDeps {
  sites: SiteService;
  threads: ThreadService;
  commenters: CommenterService;
  log: ModerationLogService;
  comments: CommentService;
}

/**
 * Thread state for the widget, and closing/reopening for moderators (logged). A closing
 * moderator's reason is recorded in the moderation log; readers see only the public code.
 */
export function threadRoutes({ sites, threads, commenters, log, comments }: ThreadRouteDeps): Router {
  const router = Router();

  router.get('/api/v1/sites/:site/thread', async (req, res) => {
    const site = await sites.get(req.params.site);
    const { include, sort, limit, ...rest } = req.query as Record<string, unknown>;
    const query = parseOrThrow(threadQuery, rest);
    const extra = parseOrThrow(includeQuery, { include, sort, limit });
    const key = (query.key ?? query.thread) as string;
    const thread = await threads.state(site, key);
    const { locale, loginUrl, privacyNotice, editWindowMinutes } = site.config;
    const body: Record<string, unknown> = { thread, site: { id: site.id, name: site.config.name, locale, loginUrl, privacyNotice, editWindowMinutes } };
    if (extra.include === 'comments') {
      Object.assign(body, await comments.list(site, { thread: key, sort: extra.sort, limit: extra.limit }, await optionalIdentity(site, req)));
    }
    res.json(body);
  });

  // Comment counts for article lists (count.js): many threads in one request.
  router.get('/api/v1/sites/:site/counts', async (req, res) => {
    const site = await sites.get(req.params.site);
    const { key } = parseOrThrow(countsQuery, req.query);
    res.json({ threads: await threads.counts(site, key) });
  });

  router.post('/api/v1/sites/:site/moderation/threads/close', async (req, res) => {
    const site = await sites.get(req.params.site);
    const actor = await moderatorActor(commenters, await requireModerator(site, req));
    const body = parseOrThrow(closeBody, req.body);
    await threads.close(site.id, body.thread);
    await log.append({
      siteId: site.id, actor,
      action: 'thread_closed', threadKey: body.thread, reason: body.reason ?? null,
    });
    res.json({ thread: await threads.state(site, body.thread) });
  });

  router.post('/api/v1/sites/:site/moderation/threads/reopen', async (req, res) => {
    const site = await sites.get(req.params.site);
    const actor = await moderatorActor(commenters, await requireModerator(site, req));
    const body = parseOrThrow(reopenBody, req.body);
    await threads.reopen(site.id, body.thread);
    await log.append({ siteId: site.id, actor, action: 'thread_reopened', threadKey: body.thread });
    res.json({ thread: await threads.state(site, body.thread) });
  });

  return router;
}
