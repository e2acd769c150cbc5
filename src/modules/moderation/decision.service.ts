import { settle, Settled } from '../../infra/batcher';
import { checkpoint } from '../../shared/checkpoints';
import { lookUpSet, pushesDownEquality } from '../../infra/mongo';
import { SiteScopedUpdate, updateEach } from '../../infra/site-changes';
import { AppError, notFound } from '../../shared/errors';
import type { Identity } from '../auth/commenter-token';
import type { CommenterService } from '../commenters/commenter.service';
import { commentClaimKey, STALE_CLAIM_MS, voidUnappliedClaim } from '../comments/comment-claims';
import { CommentDoc, CommentModel, RuleHit } from '../comments/comment.model';
import { ReportModel } from '../reports/report.model';
import type { LogAction, LogEntryDoc } from '../moderation-log/moderation-log.model';
import { Actor, ClaimTaken, ModerationLogService, moderatorActor } from '../moderation-log/moderation-log.service';
import type { Site } from '../sites/site.service';
import { requireReason } from '../reasons/reason-lookup';
import { commentCreated, decisionEvents, DecidedAs } from '../events/comment-events';
import { NewEvent, recordEvents } from '../events/record-events';
import type { DecisionRequest } from './moderation.schemas';
import { hasOpenReports, ReviewQueueService } from './review-queues.service';
import type { ReviewItem } from './review-queues.view';

/** What a decision does to a comment. */
export type Outcome = 'published' | 'held' | 'rejected' | 'approved';

// `withheld` only ever holds of a removed comment, which a reversed appeal may publish again.
const STATUS_OF: Record<Outcome, { status: CommentDoc['status']; held: boolean; withheld: false }> = {
  published: { status: 'published', held: false, withheld: false },
  approved: { status: 'published', held: false, withheld: false },
  held: { status: 'pending', held: true, withheld: false },
  rejected: { status: 'rejected', held: false, withheld: false },
};

/** One of the automated decisions decideMany applies together. */
export interface AutomatedDecision {
  /** The comment as read for the decision: its version is the one claimed. */
  comment: CommentDoc;
  outcome: Outcome;
  rules: RuleHit[];
  reason: string | null;
  /** The site's reason the rules that decided it map to (null for a publication). */
  reasonId: string | null;
}

/**
 * Applies decisions to comments, race-safe without transactions: the decision first
 * claims `c:<id>:v<version>` in the moderation log (a unique index), then updates the
 * comment on the same version. A second decider of the same version loses the claim;
 * a decider that died between the two steps is completed by the next attempt, which
 * finds its own claim and re-applies the (idempotent) update.
 */
export class DecisionService {
  constructor(
    private readonly log: ModerationLogService,
    private readonly commenters: CommenterService,
    private readonly reviewQueues: ReviewQueueService,
  ) {}

  /**
   * A moderator's approval or rejection of a comment, answered with its review item.
   * With a version, only that version can be decided; without one, only a comment still
   * waiting for a person (held, or published with open reports). Anything else, and a
   * removed comment, is 409 ALREADY_DECIDED. The moderator's profile is made only once
   * the decision goes ahead.
   */
  async decideByModerator(
    site: Site,
    commentId: string,
    request: DecisionRequest,
    moderator: Identity,
  ): Promise<ReviewItem> {
    const comment = await CommentModel.findOne({ _id: commentId, siteId: site.id }).lean();
    if (!comment) throw notFound('comment');
    const stale =
      request.version !== undefined
        ? request.version !== comment.version
        : !(comment.status === 'pending' && comment.held) &&
          !(comment.status === 'published' && (await hasOpenReports(comment._id)));
    if (stale || comment.status === 'removed') {
      throw new AppError('ALREADY_DECIDED', { currentVersion: comment.version, status: comment.status });
    }
    // A rejection names the site's reason it rests on; an approval needs none.
    const reasonId = request.action === 'reject' ? requireReason(site, request.reasonId).id : null;
    const actor = await moderatorActor(this.commenters, moderator);
    const updated = await this.decide(comment, outcomeOf(request.action), actor, {
      reason: request.reason ?? null,
      reasonId,
    });
    if (!updated) throw new AppError('ALREADY_DECIDED', { status: comment.status });
    return this.reviewQueues.item(site, updated);
  }

  /**
   * Decides a comment version. Returns the updated comment, or null when this exact
   * decision had already been logged and applied (a retried job).
   */
  async decide(
    comment: CommentDoc,
    outcome: Outcome,
    actor: Actor,
    details: { reason?: string | null; rules?: RuleHit[]; reasonId?: string | null } = {},
  ): Promise<CommentDoc | null> {
    const claimKey = commentClaimKey(comment._id, comment.version);
    try {
      await this.log.append({
        siteId: comment.siteId,
        actor,
        action: outcome as LogAction,
        commentId: comment._id,
        subjectId: comment.authorId,
        threadKey: comment.threadKey,
        reason: details.reason ?? null,
        reasonId: details.reasonId ?? null,
        rules: details.rules ?? [],
        claimKey,
      });
    } catch (err) {
      if (!(err instanceof ClaimTaken)) throw err;
      const earlier = await this.log.byClaim(claimKey);
      // An author's edit that claimed this version and never landed (its process died)
      // would block the comment for good: once it is clearly stale, it is voided.
      if (
        earlier &&
        !sameActor(earlier, actor) &&
        Date.now() - earlier.at.getTime() > STALE_CLAIM_MS &&
        (await voidUnappliedClaim(comment, earlier, { editsOnly: true }))
      ) {
        return this.decide(comment, outcome, actor, details);
      }
      if (!earlier || !sameActor(earlier, actor))
        throw new AppError('ALREADY_DECIDED', { currentVersion: comment.version + 1 });
      // Our own earlier attempt (a retried job, a repeated click) claimed this version:
      // finish what it decided, not what this attempt would decide.
      const rules = earlier.rules.map((r) => ({ rule: r.rule, action: r.action, detail: r.detail }));
      const finished = await this.apply(comment, earlier.action as Outcome, actor, rules, earlier.reasonId);
      if (finished)
        await recordEvents(eventsOfDecision(comment, earlier.action as Outcome, actor.kind, rules, earlier.reasonId));
      return null;
    }
    const updated = await this.apply(comment, outcome, actor, details.rules, details.reasonId ?? null);
    // The events follow the change they tell of, written by the code that made it.
    if (updated)
      await recordEvents(eventsOfDecision(comment, outcome, actor.kind, details.rules ?? [], details.reasonId));
    return updated;
  }

  /**
   * The system's decisions on several comments (each comment at most once), claimed and
   * applied as decide() does one, in fewer round trips: every claim goes in one insert,
   * then each comment whose claim this call took is updated on its version. A claim that
   * was taken already (a retried job, an edit or removal that came first) is settled by
   * decide() alone. For each decision: when it was applied; `repeated` when this exact
   * decision had been applied already; `stale` when the comment was deleted meanwhile (an
   * erasure deletes a comment nobody replied to without claiming it; this claim is then
   * voided, so that the log keeps no decision that changed nothing) or removed by someone
   * who found this claim stale; or the error it alone failed with.
   */
  async decideMany(decisions: readonly AutomatedDecision[]): Promise<Array<Settled<Date | 'repeated' | 'stale'>>> {
    const actor: Actor = { kind: 'system' };
    const claims = await this.log.appendMany(
      decisions.map(({ comment, outcome, rules, reason, reasonId }) => ({
        siteId: comment.siteId,
        actor,
        action: outcome as LogAction,
        commentId: comment._id,
        subjectId: comment.authorId,
        threadKey: comment.threadKey,
        reason,
        reasonId,
        rules,
        claimKey: commentClaimKey(comment._id, comment.version),
      })),
    );
    const results: Array<Settled<Date | 'repeated' | 'stale'>> = decisions.map(() => ({ ok: true, value: 'repeated' }));
    const ours = decisions.flatMap((decision, i) => {
      const claim = claims[i];
      return claim ? [{ decision, claim, i }] : [];
    });
    const applying = this.applyAll(ours.map((o) => o.decision)).then(async (applied) => {
      // The batch's events in one insert, once its changes are made; a job that dies
      // before is retried and writes them then (see processModerationBatch).
      await checkpoint('moderation.batch.applied');
      await recordEvents(
        ours.flatMap(({ decision }, k) =>
          applied[k] instanceof Date
            ? eventsOfDecision(decision.comment, decision.outcome, 'system', decision.rules, decision.reasonId)
            : [],
        ),
      );
      await Promise.all(
        ours.map(async ({ decision, claim, i }, k) => {
          const outcome = applied[k]!;
          if (outcome === 'gone') await voidUnappliedClaim(decision.comment, claim);
          results[i] = { ok: true, value: outcome instanceof Date ? outcome : 'stale' };
        }),
      );
    });
    const retaking = decisions.map(async ({ comment, outcome, rules, reason, reasonId }, i) => {
      if (claims[i]) return;
      const settled = await settle(() => this.decide(comment, outcome, actor, { rules, reason, reasonId }));
      results[i] = settled.ok ? { ok: true, value: settled.value?.decidedAt ?? 'repeated' } : settled;
    });
    await Promise.all([applying, ...retaking]);
    return results;
  }

  /**
   * Updates comments whose versions this process has claimed for the system's decisions,
   * each on its version (see updateEach); says for each when it was applied, `gone` when
   * the comment is no more, or `moved` when a removal that found the claim stale came
   * first. Comments of one author decided alike at the same version share one statement
   * where the database serves a filter on the author (MongoDB, FerretDB on PostgreSQL,
   * which then scans its table once for all of them instead of once for each). When fewer changed than were sent, the comments
   * are read back to tell which: an applied one carries this call's decidedAt, which no
   * other writer can have set on it (the version is ours). One that exists unchanged at
   * its version throws: the job is retried, finds its own claim and applies it then.
   */
  private async applyAll(decisions: readonly AutomatedDecision[]): Promise<Array<Date | 'gone' | 'moved'>> {
    if (decisions.length === 0) return [];
    const now = new Date();
    // Where only `_id` is pushed down (FerretDB on SQLite), an author's filter would read every comment.
    const byAuthor = await pushesDownEquality(CommentModel.collection.collectionName);
    const alike = new Map<string, AutomatedDecision[]>();
    for (const d of decisions) {
      const { comment, outcome, rules, reasonId } = d;
      const author = byAuthor && comment.authorId ? String(comment.authorId) : `one ${String(comment._id)}`;
      const key = JSON.stringify([comment.siteId, author, comment.version, outcome, rules, reasonId]);
      alike.set(key, [...(alike.get(key) ?? []), d]);
    }
    const statements: SiteScopedUpdate[] = [...alike.values()].map((group) => {
      const [{ comment, outcome, rules, reasonId }] = group as [AutomatedDecision, ...AutomatedDecision[]];
      const update = {
        $set: { ...STATUS_OF[outcome], decidedAt: now, updatedAt: now, decidedBy: 'system', rules, reasonId },
        $inc: { version: 1 },
      };
      if (group.length === 1 || !comment.authorId)
        return { filter: { _id: comment._id, siteId: comment.siteId, version: comment.version }, update };
      // Every comment here is at this version, pending and not held: the claims say no one else changed them.
      const filter = {
        siteId: comment.siteId,
        authorId: comment.authorId,
        version: comment.version,
        status: 'pending',
        held: false,
        _id: { $in: group.map((d) => d.comment._id) },
      };
      return { filter, update, many: true };
    });
    const changed = await updateEach(CommentModel, statements);
    if (changed === decisions.length) return decisions.map(() => now);
    const stored = await lookUpSet(
      decisions.map((d) => d.comment._id),
      (id) => CommentModel.find({ _id: id }, { decidedAt: 1, version: 1 }).lean(),
      (all) => CommentModel.find({ _id: { $in: all } }, { decidedAt: 1, version: 1 }).lean(),
    );
    const byId = new Map(stored.map((c) => [String(c._id), c]));
    return decisions.map(({ comment }) => {
      const current = byId.get(String(comment._id));
      if (!current) return 'gone';
      if (current.decidedAt?.getTime() === now.getTime()) return now;
      // Only a removal that found this claim stale, voided it and claimed the version can get here.
      if (current.version !== comment.version) return 'moved';
      throw new Error('a claimed decision did not apply');
    });
  }

  private async apply(
    comment: CommentDoc,
    outcome: Outcome,
    actor: Actor,
    rules: RuleHit[] | undefined,
    reasonId: string | null,
  ): Promise<CommentDoc | null> {
    const now = new Date();
    const { status, held } = STATUS_OF[outcome];
    const set: Record<string, unknown> = {
      status,
      held,
      decidedAt: now,
      updatedAt: now,
      decidedBy: actor.kind === 'system' ? 'system' : String(actor.id),
      reasonId,
    };
    if (rules) set.rules = rules;
    const updated = await CommentModel.findOneAndUpdate(
      { _id: comment._id, siteId: comment.siteId, version: comment.version },
      { $set: set, $inc: { version: 1 } },
      { new: true, lean: true },
    );
    // A person's decision settles the reports made so far.
    if (updated && actor.kind === 'moderator') {
      await ReportModel.updateMany({ commentId: comment._id, resolved: false }, { $set: { resolved: true } });
    }
    return updated;
  }
}

/**
 * The events of a decision on the version `comment` was read at (the one claimed). A
 * comment's first decision also writes its `comment.created` again: stored once, it is in
 * the feed even when the post that wrote the comment died before its own event.
 */
export function eventsOfDecision(
  comment: CommentDoc,
  outcome: Outcome,
  by: Actor['kind'],
  rules: readonly RuleHit[],
  reasonId?: string | null,
): NewEvent[] {
  const as: DecidedAs = outcome === 'approved' ? 'published' : outcome;
  const decided = decisionEvents(comment, as, by === 'system' ? 'system' : 'moderator', comment.version, {
    rules,
    reasonId,
  });
  return comment.revision === 1 && comment.version === 1 ? [commentCreated(comment), ...decided] : decided;
}

function sameActor(entry: LogEntryDoc, actor: Actor): boolean {
  if (actor.kind === 'system') return entry.actorKind === 'system';
  return entry.actorKind === actor.kind && !!entry.actorId && entry.actorId.equals(actor.id);
}

/** Moderators' actions and the outcome they lead to. */
function outcomeOf(action: 'approve' | 'reject'): Outcome {
  return action === 'approve' ? 'approved' : 'rejected';
}
