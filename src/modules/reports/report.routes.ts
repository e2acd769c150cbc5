import { Router } from 'express';
import { z } from 'zod';
import { requireIdentity } from '../../http/auth';
import { parseOrThrow } from '../../http/validate';
import { safeText } from '../../shared/safe-text';
import { siteOfComment } from '../comments/comment.routes';
import type { CommentService } from '../comments/comment.service';
import type { SiteService } from '../sites/site.service';
import { REPORT_REASONS } from './report.model';
import type { ReportService } from './report.service';

export const reportBody = z.object({ reason: z.enum(REPORT_REASONS), note: safeText(500).optional() }).strict();

/** POST /api/v1/comments/{id}/reports */
export function reportRoutes(sites: SiteService, comments: CommentService, reports: ReportService): Router {
  const router = Router();
  router.post('/api/v1/comments/:id/reports', async (req, res) => {
    const { site, id } = await siteOfComment(sites, comments, req.params.id);
    const identity = await requireIdentity(site, req);
    const body = parseOrThrow(reportBody, req.body);
    const report = await reports.report(site, identity, id, body.reason, body.note?.trim() || null);
    res.status(201).json({ report: { id: String(report._id), reason: report.reason, note: report.note, createdAt: report.createdAt.toISOString() } });
  });
  return router;
}
