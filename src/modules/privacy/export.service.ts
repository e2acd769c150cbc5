import { CommenterDoc } from '../commenters/commenter.model';
import { CommentModel } from '../comments/comment.model';
import { BanModel } from '../moderation/ban.model';
import { ModerationLogModel } from '../moderation/moderation-log.model';
import { ReportModel } from '../reports/report.model';
import { ThreadModel } from '../threads/thread.model';
import { ErasureRequestModel } from './erasure-request.model';
import { subjectRef } from './subject-ref';

/**
 * Everything stored about a commenter on a site, as one JSON document: the profile, every
 * comment with its thread and status, the reports they made, the moderation decisions and
 * sanctions about them, and their erasure requests.
 */
export async function exportSubject(profile: CommenterDoc, secret: string) {
  const { siteId } = profile;
  const [comments, reports, decisions, bans, erasures] = await Promise.all([
    CommentModel.find({ siteId, authorId: profile._id }).sort({ createdAt: 1 }).lean(),
    ReportModel.find({ siteId, reporterId: profile._id }).sort({ createdAt: 1 }).lean(),
    ModerationLogModel.find({ siteId, subjectId: profile._id }).sort({ at: 1 }).lean(),
    BanModel.find({ siteId, commenterId: profile._id }).sort({ createdAt: 1 }).lean(),
    ErasureRequestModel.find({ siteId, subjectRef: subjectRef(secret, siteId, profile.sub) }).sort({ createdAt: 1 }).lean(),
  ]);
  const threads = await ThreadModel.find({ siteId, key: { $in: [...new Set(comments.map((c) => c.threadKey))] } }).lean();
  const threadOf = new Map(threads.map((t) => [t.key, t]));
  return {
    exportedAt: new Date().toISOString(),
    site: siteId,
    profile: {
      sub: profile.sub, name: profile.name, email: profile.email,
      createdAt: profile.createdAt.toISOString(), lastSeenAt: profile.lastSeenAt.toISOString(),
    },
    comments: comments.map((c) => {
      const thread = threadOf.get(c.threadKey);
      return {
        id: String(c._id), thread: { key: c.threadKey, title: thread?.title ?? null, url: thread?.url ?? null },
        parentId: c.parentId ? String(c.parentId) : null, body: c.body, status: c.status,
        createdAt: c.createdAt.toISOString(), editedAt: c.editedAt?.toISOString() ?? null,
        ipAddressStored: c.ipHash ? 'as a keyed hash only' : 'no',
        rulesFired: c.rules.map((r) => ({ rule: r.rule, action: r.action, detail: r.detail })),
      };
    }),
    reportsMade: reports.map((r) => ({ commentId: String(r.commentId), reason: r.reason, note: r.note, createdAt: r.createdAt.toISOString() })),
    moderationDecisions: decisions.map((d) => ({
      at: d.at.toISOString(), action: d.action, by: d.actorKind, commentId: d.commentId ? String(d.commentId) : null,
      reason: d.reason, until: d.until?.toISOString() ?? null,
    })),
    sanctions: bans.map((b) => ({ reason: b.reason, until: b.until?.toISOString() ?? null, createdAt: b.createdAt.toISOString(), liftedAt: b.liftedAt?.toISOString() ?? null })),
    erasureRequests: erasures.map((e) => ({ id: String(e._id), status: e.status, createdAt: e.createdAt.toISOString(), dueAt: e.dueAt.toISOString() })),
  };
}
