import { AppError, forbidden, notFound } from '../../shared/errors';
import type { Identity } from '../auth/commenter-token';
import type { CommenterService } from '../commenters/commenter.service';
import { CommentModel } from '../comments/comment.model';
import type { BanService } from '../bans/ban.service';
import type { Site } from '../sites/site.service';
import { ReportDoc, ReportModel, ReportReason } from './report.model';
import { isDuplicateKey } from '../../infra/mongo';
import type { Types } from 'mongoose';
import { commentReported } from '../events/comment-events';
import { recordEvents } from '../events/record-events';

/** Readers' reports of comments. */
export class ReportService {
  constructor(
    private readonly commenters: CommenterService,
    private readonly bans: BanService,
  ) {}

  /** Files a report: once per reader and comment, never on one's own comment. */
  async report(
    site: Site,
    identity: Identity,
    commentId: string,
    reason: ReportReason,
    note: string | null,
  ): Promise<ReportDoc> {
    const comment = await CommentModel.findOne(
      { _id: commentId, siteId: site.id },
      { authorId: 1, status: 1, threadKey: 1 },
    ).lean();
    if (!comment || comment.status !== 'published') throw notFound('comment');
    await this.bans.assertNotBanned(site.id, identity.sub);
    const known = await this.commenters.find(site.id, identity.sub);
    if (known && comment.authorId?.equals(known._id)) throw forbidden();
    // A refused report writes nothing: a second report of the same comment is 409 before the profile is touched.
    if (known && (await ReportModel.exists({ commentId: comment._id, reporterId: known._id }))) {
      throw new AppError('CONFLICT', { reason: 'already_reported' });
    }
    const reporter = await this.commenters.upsert(identity, known);
    let report: ReportDoc;
    try {
      report = (
        await ReportModel.create({
          siteId: site.id,
          commentId: comment._id,
          reporterId: reporter._id,
          reason,
          note,
          resolved: false,
          createdAt: new Date(),
        })
      ).toObject();
    } catch (err) {
      if (isDuplicateKey(err)) throw new AppError('CONFLICT', { reason: 'already_reported' });
      throw err;
    }
    await this.tellIfReported(site, { ...comment, siteId: site.id });
    return report;
  }

  /** Writes `comment.reported` when the comment's open reports have reached the site's threshold (once per round). */
  private async tellIfReported(site: Site, comment: { _id: Types.ObjectId; siteId: string; threadKey: string }) {
    const reports = await ReportModel.find({ commentId: comment._id }, { resolved: 1 }).lean();
    const open = reports.filter((r) => !r.resolved).length;
    if (open < site.config.moderation.reportThreshold) return;
    await recordEvents([commentReported(comment, open, reports.length - open)]);
  }
}
