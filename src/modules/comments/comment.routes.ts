import { Router } from 'express';
import { optionalIdentity, requireIdentity } from '../auth/guards';
import { clientIp } from '../../http/request-context';
import { publicRead } from '../../http/cache-control';
import { replayForViewers } from '../../http/public-replay';
import { parseOrThrow } from '../../shared/validate';
import type { SiteService } from '../sites/site.service';
import { siteOfComment } from './comment-site';
import {
  assertThreadUrlOnOrigins,
  commentIdOr404,
  createCommentSchema,
  editCommentSchema,
  idempotencyKeySchema,
  listCommentsQuery,
  listRepliesQuery,
  removeCommentQuery,
} from './comment.schemas';
import type { CommentService } from './comment.service';

export interface CommentRouteDeps {
  sites: SiteService;
  comments: CommentService;
}

/** The public comment API. */
export function commentRoutes({ sites, comments }: CommentRouteDeps): Router {
  const router = Router();

  router.get('/api/v1/sites/:site/comments', publicRead, async (req, res) => {
    const site = await sites.get(req.params.site);
    const query = parseOrThrow(listCommentsQuery, req.query);
    replayForViewers(res.locals, (authorization) => comments.sharedPageIsTheirs(site, query, authorization));
    const viewer = await optionalIdentity(site, req);
    res.json(await comments.list(site, query, viewer));
  });

  router.get('/api/v1/sites/:site/comments/:id/replies', publicRead, async (req, res) => {
    const site = await sites.get(req.params.site);
    const id = commentIdOr404(req.params.id);
    const query = parseOrThrow(listRepliesQuery, req.query);
    const viewer = await optionalIdentity(site, req);
    res.json(await comments.replies(site, id, query, viewer));
  });

  router.post('/api/v1/sites/:site/comments', async (req, res) => {
    const site = await sites.get(req.params.site);
    const identity = await requireIdentity(site, req);
    const input = parseOrThrow(createCommentSchema, req.body);
    assertThreadUrlOnOrigins(input.threadUrl, site.config.origins);
    const rawKey = req.headers['idempotency-key'];
    const idempotencyKey = rawKey === undefined ? undefined : parseOrThrow(idempotencyKeySchema, rawKey);
    const { comment, replayed } = await comments.create(site, identity, input, { ip: clientIp(req), idempotencyKey });
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(201).json({ comment });
  });

  router.patch('/api/v1/comments/:id', async (req, res) => {
    const { site, id } = await siteOfComment(sites, comments, req.params.id);
    const identity = await requireIdentity(site, req);
    const body = parseOrThrow(editCommentSchema, req.body);
    res.json({ comment: await comments.edit(site, identity, id, body.body, { ip: clientIp(req) }) });
  });

  router.delete('/api/v1/comments/:id', async (req, res) => {
    const { site, id } = await siteOfComment(sites, comments, req.params.id);
    const identity = await requireIdentity(site, req);
    const query = parseOrThrow(removeCommentQuery, req.query);
    await comments.remove(site, identity, id, { reasonId: query.reasonId });
    res.status(204).end();
  });

  return router;
}
