import { Types } from 'mongoose';
import { AppError, forbidden, notFound } from '../../shared/errors';
import { isDuplicateKey } from '../../infra/mongo';
import { checkpoint } from '../../shared/checkpoints';
import type { Identity } from '../auth/commenter-token';
import type { BanService } from '../bans/ban.service';
import type { CommenterDoc } from '../commenters/commenter.model';
import type { CommenterService } from '../commenters/commenter.service';
import { commentClaimKey } from '../comments/comment-claims';
import { CommentDoc, CommentModel } from '../comments/comment.model';
import { isWithheldForAuthor } from '../comments/comment-withholding';
import { logCause, recordEvents } from '../events/record-events';
import type { LogEntryDoc } from '../moderation-log/moderation-log.model';
import { Actor, ClaimTaken, ModerationLogService, moderatorActor } from '../moderation-log/moderation-log.service';
import type { DecisionService } from '../moderation/decision.service';
import { subjectRef } from '../privacy/subject-ref';
import { requireReason } from '../reasons/reason-lookup';
import type { Site } from '../sites/site.service';
import { AppealDoc, AppealedDecision, AppealModel } from './appeal.model';
import type { AppealDecisionRequest } from './appeal.schemas';

export interface AppealServiceDeps {
  commenters: CommenterService;
  log: ModerationLogService;
  decisions: DecisionService;
  bans: BanService;
  /** The keyed-hash secret of pseudonymous references (IP_HASH_SECRET). */
  secret: string;
}

/** What an appeal is filed against, worked out from the decision itself. */
interface Appealed {
  about: AppealDoc['about'];
  commentId: Types.ObjectId | null;
  banId: Types.ObjectId | null;
  threadKey: string | null;
  decisionKey: string;
  original: AppealedDecision;
}

const DAY_MS = 86_400_000;

/** The key of a comment's decision as it stands: the version it left the comment at. */
const commentDecisionKey = (c: Pick<CommentDoc, '_id' | 'version'>) => `comment:${String(c._id)}:v${c.version}`;

/** Until when a decision made at `at` may be appealed on this site. */
export function appealDeadline(site: Site, at: Date): Date {
  return new Date(at.getTime() + site.config.appeals.windowDays * DAY_MS);
}

/** A comment the author can appeal: rejected, or removed by a moderator and kept for them. */
export const isAppealable = (c: Pick<CommentDoc, 'status' | 'authorId' | 'decidedAt'>): boolean =>
  !!c.decidedAt && (c.status === 'rejected' || isWithheldForAuthor(c));

/**
 * Appeals (DSA Art. 20): the author of a rejected or removed comment, or a banned
 * commenter, contests the decision once, within the site's window; a moderator other
 * than the one who decided (any, for an automated decision) upholds or reverses it, and
 * a reversal publishes the comment again or lifts the ban. Each step is in the moderation
 * log, and its claim key (`a:<appealId>:decided`) lets only one decision of an appeal
 * stand, however many moderators press at once.
 */
export class AppealService {
  constructor(private readonly deps: AppealServiceDeps) {}

  /** The author's appeal of their comment's rejection or removal. */
  async appealComment(site: Site, identity: Identity, commentId: string, text: string): Promise<AppealDoc> {
    const comment = await CommentModel.findOne({ _id: commentId, siteId: site.id }).lean();
    if (!comment) throw notFound('comment');
    const author = await this.deps.commenters.find(site.id, identity.sub);
    if (!author || !comment.authorId || !author._id.equals(comment.authorId)) throw forbidden();
    if (!isAppealable(comment)) throw new AppError('NOT_APPEALABLE', { status: comment.status });
    const decision = await this.deps.log.byClaim(commentClaimKey(comment._id, comment.version - 1));
    return this.file(site, author, text, {
      about: 'comment',
      commentId: comment._id,
      banId: null,
      threadKey: comment.threadKey,
      decisionKey: commentDecisionKey(comment),
      original: {
        action: comment.status === 'rejected' ? 'rejected' : 'removed',
        reasonId: comment.reasonId,
        by: comment.decidedBy ?? 'system',
        at: comment.decidedAt!,
        note: moderatorsNote(decision),
      },
    });
  }

  /** A banned commenter's appeal of the ban in force. */
  async appealBan(site: Site, identity: Identity, text: string): Promise<AppealDoc> {
    const ban = await this.deps.bans.active(site.id, identity.sub);
    if (!ban) throw new AppError('NOT_APPEALABLE', { ban: null });
    const appellant = await this.deps.commenters.upsert(identity);
    return this.file(site, appellant, text, {
      about: 'ban',
      commentId: null,
      banId: ban._id,
      threadKey: null,
      decisionKey: `ban:${String(ban._id)}`,
      original: {
        action: 'banned',
        reasonId: ban.reasonId ?? null,
        by: ban.createdBy ? String(ban.createdBy) : 'system',
        at: ban.createdAt,
        note: ban.reason,
      },
    });
  }

  /** The ban in force for this commenter, with its appeal, as they are told of it (null when none). */
  async banStatement(site: Site, identity: Identity) {
    const ban = await this.deps.bans.active(site.id, identity.sub);
    if (!ban) return null;
    const appeal = await AppealModel.findOne({ siteId: site.id, decisionKey: `ban:${String(ban._id)}` }).lean();
    return {
      reasonId: ban.reasonId ?? null,
      until: ban.until?.toISOString() ?? null,
      at: ban.createdAt.toISOString(),
      appealUntil: openUntil(site, ban.createdAt, appeal),
      appeal: appeal ? appealStatement(appeal) : null,
    };
  }

  /** Stores the appeal (once per decision: 409 CONFLICT for the second), logs it and tells of it. */
  private async file(site: Site, appellant: CommenterDoc, text: string, appealed: Appealed): Promise<AppealDoc> {
    if (Date.now() > appealDeadline(site, appealed.original.at).getTime())
      throw new AppError('APPEAL_TOO_LATE', { until: appealDeadline(site, appealed.original.at).toISOString() });
    const appeal: AppealDoc = {
      _id: new Types.ObjectId(),
      siteId: site.id,
      about: appealed.about,
      commentId: appealed.commentId,
      banId: appealed.banId,
      commenterId: appellant._id,
      subjectRef: subjectRef(this.deps.secret, site.id, appellant.sub),
      decisionKey: appealed.decisionKey,
      text,
      status: 'open',
      original: appealed.original,
      decision: null,
      createdAt: new Date(),
    };
    try {
      await AppealModel.create(appeal);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // The first appeal may have died before its log entry: it is written now (once).
      const first = await AppealModel.findOne({ decisionKey: appealed.decisionKey }).lean();
      if (first) await this.logReceived(first, appellant, appealed.threadKey);
      throw new AppError('CONFLICT', { appeal: first ? String(first._id) : null });
    }
    await this.logReceived(appeal, appellant, appealed.threadKey);
    return appeal;
  }

  private async logReceived(appeal: AppealDoc, appellant: CommenterDoc, threadKey: string | null): Promise<void> {
    let entry: LogEntryDoc | null;
    try {
      entry = await this.deps.log.append({
        siteId: appeal.siteId,
        actor: { kind: 'author', id: appellant._id, name: appellant.name },
        action: 'appeal_received',
        commentId: appeal.commentId,
        subjectId: appellant._id,
        threadKey,
        reasonId: appeal.original.reasonId,
        appealId: appeal._id,
        claimKey: `a:${String(appeal._id)}:received`,
      });
    } catch (err) {
      if (!(err instanceof ClaimTaken)) throw err;
      entry = await this.deps.log.byClaim(err.claimKey);
    }
    if (!entry) return;
    await recordEvents([
      {
        type: 'appeal.received',
        siteId: appeal.siteId,
        cause: logCause(entry),
        data: {
          appealId: String(appeal._id),
          about: appeal.about,
          commentId: appeal.commentId ? String(appeal.commentId) : null,
          banId: appeal.banId ? String(appeal.banId) : null,
          reasonId: appeal.original.reasonId,
        },
      },
    ]);
  }

  /**
   * A moderator's decision of an appeal. The moderator who made the decision appealed gets
   * 409 SAME_MODERATOR; a decided appeal, or one another moderator is deciding at this
   * moment, 409 ALREADY_DECIDED. The moderator's own retry (a repeated click, or after a
   * failure halfway) finishes what their first attempt decided.
   */
  async decide(site: Site, appealId: string, request: AppealDecisionRequest, identity: Identity): Promise<AppealDoc> {
    const appeal = await AppealModel.findOne({ _id: appealId, siteId: site.id }).lean();
    if (!appeal) throw notFound('appeal');
    const moderator = await moderatorActor(this.deps.commenters, identity);
    if (appeal.original.by !== 'system' && appeal.original.by === String(moderator.id))
      throw new AppError('SAME_MODERATOR');
    if (appeal.status === 'decided') throw new AppError('ALREADY_DECIDED', { outcome: appeal.decision?.outcome });
    // Upholding names the reason the decision stands on; a reversal may name the one found not to apply.
    const reasonId = request.outcome === 'upheld' || request.reasonId ? requireReason(site, request.reasonId).id : null;
    let decided = { outcome: request.outcome, reasonId, note: request.reason ?? null };
    let entry: LogEntryDoc;
    try {
      entry = await this.deps.log.append({
        siteId: site.id,
        actor: moderator,
        action: 'appeal_decided',
        commentId: appeal.commentId,
        subjectId: appeal.commenterId,
        reasonId,
        reason: decided.note,
        appealId: appeal._id,
        outcome: request.outcome,
        claimKey: `a:${String(appeal._id)}:decided`,
      });
    } catch (err) {
      if (!(err instanceof ClaimTaken)) throw err;
      const earlier = await this.deps.log.byClaim(err.claimKey);
      if (!earlier || !earlier.actorId?.equals(moderator.id)) throw new AppError('ALREADY_DECIDED');
      entry = earlier;
      decided = { outcome: earlier.outcome as 'upheld' | 'reversed', reasonId: earlier.reasonId, note: earlier.reason };
    }
    await checkpoint('appeal.decision.claimed');
    if (decided.outcome === 'reversed') await this.reverse(site, appeal, moderator);
    const decision = { ...decided, by: moderator.id, at: entry.at };
    await AppealModel.updateOne({ _id: appeal._id }, { $set: { status: 'decided', decision } });
    await recordEvents([
      {
        type: 'appeal.decided',
        siteId: site.id,
        cause: logCause(entry),
        data: {
          appealId: String(appeal._id),
          about: appeal.about,
          outcome: decided.outcome,
          reasonId: decided.reasonId,
          commentId: appeal.commentId ? String(appeal.commentId) : null,
          banId: appeal.banId ? String(appeal.banId) : null,
        },
      },
    ]);
    return { ...appeal, status: 'decided', decision };
  }

  /**
   * Undoes the decision appealed: the comment is published again (while it is still as the
   * decision left it: the author may have deleted it since), or the ban is lifted (unless it
   * ran out or was lifted meanwhile).
   */
  private async reverse(site: Site, appeal: AppealDoc, moderator: Actor & { kind: 'moderator' }): Promise<void> {
    if (appeal.about === 'ban') {
      await this.deps.bans
        .liftRef(site.id, appeal.subjectRef, moderator, { reason: 'appeal_reversed', appealId: appeal._id })
        .catch((err: unknown) => {
          if (!(err instanceof AppError && err.code === 'NOT_FOUND')) throw err;
        });
      return;
    }
    const comment = await CommentModel.findOne({ _id: appeal.commentId, siteId: site.id }).lean();
    if (!comment || !isAppealable(comment) || commentDecisionKey(comment) !== appeal.decisionKey) return;
    await this.deps.decisions.decide(comment, 'approved', moderator, { reason: 'appeal_reversed' });
  }
}

/** The moderator's own words on a decision, from its log entry (a removal's fixed reason is none). */
function moderatorsNote(entry: LogEntryDoc | null): string | null {
  if (!entry || entry.actorKind !== 'moderator' || entry.reason === 'removed_by_moderator') return null;
  return entry.reason;
}

/** Until when a decision may still be appealed: null once appealed or past the window. */
export function openUntil(site: Site, decidedAt: Date, appeal: AppealDoc | null): string | null {
  const until = appealDeadline(site, decidedAt);
  return appeal || until.getTime() < Date.now() ? null : until.toISOString();
}

/** What the author sees of an appeal. */
export function appealStatement(a: AppealDoc) {
  return {
    id: String(a._id),
    status: a.status,
    outcome: a.decision?.outcome ?? null,
    reasonId: a.decision?.reasonId ?? null,
    decidedAt: a.decision?.at.toISOString() ?? null,
  };
}
