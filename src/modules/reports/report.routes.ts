import { Router } from 'express';
import { requireIdentity } from '../auth/guards';
import { parseOrThrow } from '../../shared/validate';
import { siteOfComment } from '../comments/comment-site';
import type { CommentService } from '../comments/comment.service';
import type { SiteService } from '../sites/site.service';
import { reportBody } from './report.schemas';
import type { ReportService } from './report.service';
import { reportView } from './report.view';

export interface ReportRouteDeps {
  sites: SiteService;
  comments: CommentService;
  reports: ReportService;
}

/** POST /api/v1/comments/{id}/reports */
export function reportRoutes({ sites, comments, reports }: ReportRouteDeps): Router {
  const router = Router();
  router.post('/api/v1/comments/:id/reports', async (req, res) => {
    const { site, id } = await siteOfComment(sites, comments, req.params.id);
    const identity = await requireIdentity(site, req);
    const body = parseOrThrow(reportBody, req.body);
    const report = await reports.report(site, identity, id, body.reason, body.note?.trim() || null);
    res.status(201).json({ report: reportView(report) });
  });
  return router;
}
