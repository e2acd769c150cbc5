import { announceOnce } from '../../infra/site-changes';
import type { Actor } from '../moderation-log/moderation-log.service';
import { OutboxModel } from '../moderation/outbox.model';
import { ReportModel } from '../reports/report.model';
import { commentRemoved } from '../events/comment-events';
import { recordEvents } from '../events/record-events';
import { CommentDoc, CommentModel } from './comment.model';
import { repliedTo } from './comment-removal';

/**
 * A moderator's removal: the comment leaves every other reader's view, but stays, text
 * and author included, for its author, who is owed the statement of the decision and a
 * way to appeal it (and gets it back if the appeal succeeds). Where others replied to it,
 * readers see a tombstone in its place; otherwise it is withheld from them altogether.
 * Retention deletes it like a rejected comment; the author's own delete and an erasure
 * delete it at once.
 *
 * Written on the version the caller claimed, so a change that got in first is never
 * overwritten. Reports about it go (they name their reporters, and the decision is made);
 * notices of illegal content stay, as the record of their case.
 */
export async function withholdComment(
  siteId: string,
  comment: Pick<CommentDoc, '_id' | 'threadKey' | 'parentId' | 'authorId' | 'status'>,
  claimedVersion: number,
  decision: { actor: Actor & { kind: 'moderator' }; reasonId: string },
): Promise<boolean> {
  return announceOnce(async () => {
    const withReplies = (await repliedTo(siteId, [comment], {})).has(String(comment._id));
    const now = new Date();
    const written = await CommentModel.updateOne(
      { _id: comment._id, siteId, version: claimedVersion },
      {
        $set: {
          status: 'removed',
          withheld: !withReplies,
          held: false,
          reasonId: decision.reasonId,
          decidedAt: now,
          decidedBy: String(decision.actor.id),
          updatedAt: now,
        },
        $inc: { version: 1 },
      },
    );
    if (written.modifiedCount === 0) return false;
    await ReportModel.deleteMany({ siteId, commentId: comment._id });
    await OutboxModel.deleteMany({ commentId: comment._id });
    await recordEvents([
      commentRemoved({ ...comment, siteId }, 'moderator', withReplies, decision.reasonId, claimedVersion),
    ]);
    return true;
  });
}

/** A comment a moderator removed that is kept for its author (not yet a tombstone). */
export const isWithheldForAuthor = (c: Pick<CommentDoc, 'status' | 'authorId'>): boolean =>
  c.status === 'removed' && !!c.authorId;
