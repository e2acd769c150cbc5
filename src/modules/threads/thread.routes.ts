import { Router } from 'express';
import { optionalIdentity, requireModerator } from '../auth/guards';
import { publicRead } from '../../http/cache-control';
import { replayForViewers, replayUntil } from '../../http/public-replay';
import { parseOrThrow } from '../../shared/validate';
import type { CommenterService } from '../commenters/commenter.service';
import type { CommentService } from '../comments/comment.service';
import { moderatorActor } from '../moderation-log/moderation-log.service';
import type { SiteService } from '../sites/site.service';
import { widgetSiteView } from '../sites/site.view';
import { closeBody, countsQuery, includeQuery, reopenBody, threadQuery } from './thread.schemas';
import type { ThreadService } from './thread.service';

export interface ThreadRouteDeps {
  sites: SiteService;
  threads: ThreadService;
  commenters: CommenterService;
  comments: CommentService;
}

/**
 * Thread state for the widget, and closing/reopening for moderators (the thread service
 * logs both). A closing moderator's reason is recorded in the moderation log; readers see
 * only the public code.
 */
export function threadRoutes({ sites, threads, commenters, comments }: ThreadRouteDeps): Router {
  const router = Router();

  router.get('/api/v1/sites/:site/thread', publicRead, async (req, res) => {
    const site = await sites.get(req.params.site);
    const { include, sort, limit, ...rest } = req.query as Record<string, unknown>;
    const query = parseOrThrow(threadQuery, rest);
    const extra = parseOrThrow(includeQuery, { include, sort, limit });
    const key = (query.key ?? query.thread) as string;
    const thread = await threads.state(site, key, (at) => replayUntil(res.locals, at));
    const body: Record<string, unknown> = { thread, site: widgetSiteView(site) };
    if (extra.include === 'comments') {
      const list = { thread: key, sort: extra.sort, limit: extra.limit };
      replayForViewers(res.locals, (authorization) => comments.sharedPageIsTheirs(site, list, authorization));
      Object.assign(body, await comments.list(site, list, await optionalIdentity(site, req)));
    } else {
      replayForViewers(res.locals, async () => true); // the thread's state is the same for everyone
    }
    res.json(body);
  });

  // Comment counts for article lists (count.js): many threads in one request.
  router.get('/api/v1/sites/:site/counts', publicRead, async (req, res) => {
    const site = await sites.get(req.params.site);
    const { key } = parseOrThrow(countsQuery, req.query);
    replayForViewers(res.locals, async () => true); // counts are the same for everyone
    res.json({ threads: await threads.counts(site, key, (at) => replayUntil(res.locals, at)) });
  });

  router.post('/api/v1/sites/:site/moderation/threads/close', async (req, res) => {
    const site = await sites.get(req.params.site);
    const actor = await moderatorActor(commenters, await requireModerator(site, req));
    const body = parseOrThrow(closeBody, req.body);
    res.json({ thread: await threads.close(site, body.thread, actor, body.reason ?? null) });
  });

  router.post('/api/v1/sites/:site/moderation/threads/reopen', async (req, res) => {
    const site = await sites.get(req.params.site);
    const actor = await moderatorActor(commenters, await requireModerator(site, req));
    const body = parseOrThrow(reopenBody, req.body);
    res.json({ thread: await threads.reopen(site, body.thread, actor) });
  });

  return router;
}
