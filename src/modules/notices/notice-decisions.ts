import { AppError, notFound } from '../../shared/errors';
import type { Identity } from '../auth/commenter-token';
import type { CommenterService } from '../commenters/commenter.service';
import type { CommentService } from '../comments/comment.service';
import { logCause, recordEvents } from '../events/record-events';
import { LogEntryDoc, ModerationLogModel } from '../moderation-log/moderation-log.model';
import {
  ClaimTaken,
  ModerationLogService,
  moderatorActor,
  NewLogEntry,
} from '../moderation-log/moderation-log.service';
import { requireReason } from '../reasons/reason-lookup';
import type { Site } from '../sites/site.service';
import { moderatorViews } from './notice-context';
import { NoticeAction, NoticeDoc, NoticeModel } from './notice.model';
import type { NoticeDecisionInput } from './notice.schemas';
import type { NoticeModeratorView } from './notice.view';

export interface NoticeDecisionDeps {
  comments: CommentService;
  commenters: CommenterService;
  log: ModerationLogService;
}

/** The unique claim of a notice's decision in the moderation log. */
export const noticeDecidedKey = (notice: Pick<NoticeDoc, '_id'>) => `n:${String(notice._id)}:decided`;

const alreadyDecided = () => new AppError('ALREADY_DECIDED');

/**
 * Moderators' decisions on notices. A decision is about the comment: it settles every
 * open notice about it alike. Each notice's decision is claimed in the moderation log
 * (`n:<noticeId>:decided`, unique) before anything changes, so of two moderators
 * deciding at once one gets the claim and the other 409 ALREADY_DECIDED; the notices
 * are then written by their claim holder only (FerretDB would lose one of two concurrent
 * updates of the same document).
 */
export class NoticeDecisions {
  constructor(private readonly deps: NoticeDecisionDeps) {}

  async decide(site: Site, identity: Identity, id: string, body: NoticeDecisionInput): Promise<NoticeModeratorView> {
    const notice = await NoticeModel.findOne({ _id: id, siteId: site.id }).lean();
    if (!notice) throw notFound('notice');
    if (notice.status === 'decided') throw alreadyDecided();
    // A removal rests on one of the site's reasons; no action may name one.
    const reasonId = body.action === 'remove' || body.reasonId ? requireReason(site, body.reasonId).id : null;
    const action: NoticeAction = body.action === 'remove' ? 'removed' : 'no_action';
    const actor = await moderatorActor(this.deps.commenters, identity);
    const entryOf = (n: NoticeDoc): NewLogEntry & { claimKey: string } => ({
      siteId: site.id,
      actor,
      action: 'notice_decided',
      commentId: n.commentId,
      threadKey: n.threadKey,
      reason: body.reason ?? null,
      reasonId,
      noticeId: n._id,
      outcome: action,
      claimKey: noticeDecidedKey(n),
    });

    let claim: LogEntryDoc;
    try {
      claim = await this.deps.log.append(entryOf(notice));
    } catch (err) {
      if (err instanceof ClaimTaken) throw alreadyDecided();
      throw err;
    }
    try {
      if (action === 'removed') await this.removeComment(site, identity, notice, reasonId);
    } catch (err) {
      // The removal did not happen: the claim goes, so the notice can be decided again.
      await ModerationLogModel.deleteOne({ _id: claim._id, claimKey: claim.claimKey });
      throw err;
    }

    // The other open notices about the comment: each claimed, those another decision
    // has claimed meanwhile are left to it.
    const others = await NoticeModel.find({
      siteId: site.id,
      commentId: notice.commentId,
      status: 'received',
      _id: { $ne: notice._id },
    }).lean();
    const appended = await this.deps.log.appendMany(others.map(entryOf));
    const decided: Array<{ notice: NoticeDoc; entry: LogEntryDoc }> = [{ notice, entry: claim }];
    others.forEach((n, i) => {
      const entry = appended[i];
      if (entry) decided.push({ notice: n, entry });
    });

    const at = new Date();
    const decision = { action, reasonId, by: actor.id, at };
    // One statement per notice (each frees its dedupe key under its own id); updateMany,
    // as FerretDB 1.24 holds a connection per updateOne statement of a bulk write.
    await NoticeModel.bulkWrite(
      decided.map(({ notice: n }) => ({
        updateMany: {
          filter: { _id: n._id, siteId: site.id, status: 'received' as const },
          update: { $set: { status: 'decided' as const, decidedAt: at, decision, dedupeKey: `x:${String(n._id)}` } },
        },
      })),
      { ordered: false },
    );
    await recordEvents(
      decided.map(({ notice: n, entry }) => ({
        type: 'notice.decided' as const,
        siteId: site.id,
        cause: logCause(entry),
        data: { noticeId: String(n._id), commentId: String(n.commentId), action, reasonId },
      })),
    );
    const now = await NoticeModel.findOne({ _id: notice._id, siteId: site.id }).lean();
    const [view] = await moderatorViews(site.id, [now ?? notice], this.deps.commenters);
    return view!;
  }

  /** Removes the comment as a moderator's removal does; one already gone counts as removed. */
  private async removeComment(site: Site, identity: Identity, notice: NoticeDoc, reasonId: string | null) {
    try {
      await this.deps.comments.remove(site, identity, String(notice.commentId), { reasonId: reasonId ?? undefined });
    } catch (err) {
      if (err instanceof AppError && err.code === 'NOT_FOUND') return;
      throw err;
    }
  }
}
