import { Response, Router } from 'express';
import { z } from 'zod';
import { requireAdminKey, requireIdentity } from '../../http/auth';
import { AppError } from '../../http/errors';
import { parseOrThrow } from '../../http/validate';
import { chars, emailAddress } from '../../shared/safe-text';
import type { CommenterService } from '../commenters/commenter.service';
import type { SiteService } from '../sites/site.service';
import { erasureView, ErasureService } from './erasure.service';
import { exportSubject } from './export.service';
import { dataSubject } from './subject-ref';

export const tokenQuery = z.object({ token: chars(1, 200) }).strict();
/** A privacy officer names the data subject by host user id or by email. */
export const adminSubjectBody = z.object({
  subject: z.union([
    z.object({ sub: chars(1, 256) }).strict(),
    z.object({ email: emailAddress }).strict(),
  ]),
}).strict();
export const listQuery = z.object({
  status: z.enum(['scheduled', 'running', 'completed', 'cancelled']).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  site: chars(0, 64).optional(),
}).strict();

export interface PrivacyRouteDeps {
  sites: SiteService;
  commenters: CommenterService;
  erasure: ErasureService;
  ipHashSecret: string;
  adminKey: string;
}

/** Data subjects' rights: export, erasure requests with receipts, and the privacy officer's view. */
export function privacyRoutes({ sites, commenters, erasure, ipHashSecret, adminKey }: PrivacyRouteDeps): Router {
  const router = Router();

  router.get('/api/v1/sites/:site/me/export', async (req, res) => {
    const site = await sites.get(req.params.site);
    const identity = await requireIdentity(site, req);
    const profile = await commenters.find(site.id, identity.sub);
    sendExport(res, site.id, await exportSubject(dataSubject(ipHashSecret, site.id, identity.sub, profile?._id ?? null)));
  });

  router.post('/api/v1/sites/:site/me/erasure', async (req, res) => {
    const site = await sites.get(req.params.site);
    const identity = await requireIdentity(site, req);
    const { request, receiptToken } = await erasure.requestBySubject(site, identity);
    res.setHeader('Cache-Control', 'no-store');
    res.status(202).json({ ...erasureView(request), receiptToken });
  });

  router.get('/api/v1/erasure-requests/:id', async (req, res) => {
    const { token } = parseOrThrow(tokenQuery, req.query);
    res.setHeader('Cache-Control', 'no-store');
    res.json(erasureView(await erasure.byToken(req.params.id as string, token)));
  });

  router.delete('/api/v1/erasure-requests/:id', async (req, res) => {
    const { token } = parseOrThrow(tokenQuery, req.query);
    res.json(erasureView(await erasure.cancel(req.params.id as string, token)));
  });

  router.post('/api/v1/admin/sites/:site/erasure-requests', requireAdminKey(adminKey), async (req, res) => {
    const site = await sites.get(req.params.site as string);
    const body = parseOrThrow(adminSubjectBody, req.body);
    const results = await erasure.requestFor(site, body.subject);
    const requests = results.map(({ request, receiptToken }) => ({ ...erasureView(request), receiptToken }));
    const first = requests[0];
    if (!first) throw new AppError('NOT_FOUND', { what: 'subject' });
    res.status(202).json({ ...first, requests });
  });

  // A subject access request that arrived by mail: the officer downloads what the subject
  // would get from /me/export. POST, so an email address never sits in a URL or a proxy log.
  router.post('/api/v1/admin/sites/:site/exports', requireAdminKey(adminKey), async (req, res) => {
    const site = await sites.get(req.params.site as string);
    const body = parseOrThrow(adminSubjectBody, req.body);
    const found = [];
    for (const profile of await commenters.findSubject(site.id, body.subject)) found.push(await exportSubject(dataSubject(ipHashSecret, site.id, profile.sub, profile._id)));
    sendExport(res, site.id, { exports: found });
  });

  router.get('/api/v1/admin/erasure-requests', requireAdminKey(adminKey), async (req, res) => {
    const query = parseOrThrow(listQuery, req.query);
    const list = await erasure.list({ status: query.status, overdue: query.overdue === 'true', siteId: query.site });
    res.json({ requests: list.map(erasureView) });
  });

  return router;
}

/** An export as a download that no cache keeps. */
function sendExport(res: Response, siteId: string, body: unknown): void {
  res.setHeader('Content-Disposition', `attachment; filename="kommentarer-${siteId}-export.json"`);
  res.setHeader('Cache-Control', 'no-store');
  res.json(body);
}
