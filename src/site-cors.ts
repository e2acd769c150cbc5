import cors, { CorsOptions } from 'cors';
import type { Request, RequestHandler } from 'express';
import type { CommentService } from './modules/comments/comment.service';
import type { NoticeService } from './modules/notices/notice.service';
import type { SiteService } from './modules/sites/site.service';

const SITE_PATH = /^\/api\/v1\/sites\/([a-z0-9-]{1,64})\//;
const COMMENT_PATH = /^\/api\/v1\/comments\/([a-f0-9]{24})(\/|$)/;
const NOTICE_PATH = /^\/api\/v1\/notices\/([a-f0-9]{24})$/;

/**
 * CORS for the public API: a browser may call it only from the origins configured for
 * the site the request is about. Routes addressed by a comment's or a notice's id alone
 * take that site's origins (a notice's status is read by the widget on the site's pages).
 * Admin endpoints get no CORS at all.
 */
export function siteCors(
  sites: SiteService,
  comments: CommentService,
  notices: Pick<NoticeService, 'siteIdOf'>,
): RequestHandler {
  const base: CorsOptions = {
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Accept-Language'],
    exposedHeaders: ['Retry-After', 'Idempotent-Replayed'],
    maxAge: 600,
  };
  const handler = cors((req, callback) => {
    originsFor(req as Request)
      .then((origins) => {
        const origin = req.headers.origin;
        callback(null, { ...base, origin: !!origin && origins.includes(origin.toLowerCase()) });
      })
      .catch(() => callback(null, { ...base, origin: false }));
  });
  // Whether CORS headers are sent depends on the Origin, so every answer about a site or a
  // comment says so, also those to no Origin or a refused one (cors adds Vary only when it
  // allows): otherwise a shared cache could hand one origin's answer to another.
  return (req, res, next) => {
    const path = req.originalUrl.split('?')[0] as string;
    if (SITE_PATH.test(path) || COMMENT_PATH.test(path) || NOTICE_PATH.test(path)) res.vary('Origin');
    handler(req, res, next);
  };

  async function originsFor(req: Request): Promise<string[]> {
    if (!req.headers.origin) return [];
    const path = req.originalUrl.split('?')[0] as string;
    let siteId = SITE_PATH.exec(path)?.[1];
    const commentId = COMMENT_PATH.exec(path)?.[1];
    if (!siteId && commentId) siteId = await comments.siteIdOf(commentId).catch(() => undefined);
    const noticeId = NOTICE_PATH.exec(path)?.[1];
    if (!siteId && noticeId) siteId = await notices.siteIdOf(noticeId).catch(() => undefined);
    if (!siteId) return [];
    const site = await sites.find(siteId);
    return site?.config.origins ?? [];
  }
}
