import { Types } from 'mongoose';
import { Actor, ModerationLogService } from '../moderation-log/moderation-log.service';
import { OutboxModel } from '../moderation/outbox.model';
import { ReportModel } from '../reports/report.model';
import { CommentModel } from './comment.model';
import { IdempotencyModel } from './idempotency.model';
import { claimNextVersion } from './comment-claims';

/** What a removal did, for receipts and retention logs. */
export interface RemovalCounts {
  deleted: number;
  tombstoned: number;
  reports: number;
}

/** Who removes, and why: tombstones are claimed (and so logged) in their name. */
export interface Removal {
  actor: Actor;
  reason: string;
  /** Comments whose current version the caller has claimed already: id → version. */
  claimed?: Map<string, number>;
  log?: ModerationLogService;
}

/**
 * Removes comments of one site the same way everywhere (author's or moderator's delete,
 * erasure, retention): a comment others replied to stays as a tombstone without text,
 * author or IP hash, so the replies keep their place; every other comment is deleted with
 * the reports about it and the idempotency records that point at it. A tombstone left
 * without replies is deleted too. Idempotent: running it twice changes nothing more.
 *
 * A tombstone is a change of the comment, so it claims the comment's version first (see
 * comment-claims.ts): an edit in flight either lands before it or is refused, and can
 * never put text back on a removed comment. A deleted comment needs no claim, as an
 * update of a document that is gone changes nothing.
 */
export async function removeComments(siteId: string, ids: Types.ObjectId[], removal: Removal): Promise<RemovalCounts> {
  if (ids.length === 0) return { deleted: 0, tombstoned: 0, reports: 0 };
  const comments = await CommentModel.find(
    { siteId, _id: { $in: ids } },
    { threadKey: 1, parentId: 1, version: 1, authorId: 1, status: 1 },
  ).lean();
  const withReplies = new Set(
    (await CommentModel.find({ siteId, parentId: { $in: comments.map((c) => c._id) } }, { parentId: 1 }).lean()).map(
      (r) => String(r.parentId),
    ),
  );
  const tombstones = comments.filter((c) => withReplies.has(String(c._id)));
  const keep = tombstones.map((c) => c._id);
  const drop = comments.filter((c) => !withReplies.has(String(c._id))).map((c) => c._id);

  const versions = await claimTombstones(siteId, tombstones, removal);
  const now = new Date();
  const tombstoned = versions.length
    ? (
        await CommentModel.updateMany(
          { siteId, $or: versions.map(([id, version]) => ({ _id: id, version })) },
          {
            $set: { status: 'removed', body: '', authorId: null, ipHash: null, rules: [], held: false, updatedAt: now },
            $inc: { version: 1 },
          },
        )
      ).modifiedCount
    : 0;
  const reports = (await ReportModel.deleteMany({ commentId: { $in: [...keep, ...drop] } })).deletedCount;
  await IdempotencyModel.deleteMany({ siteId, commentId: { $in: drop } });
  await OutboxModel.deleteMany({ commentId: { $in: [...keep, ...drop] } });
  const deleted = drop.length ? (await CommentModel.deleteMany({ siteId, _id: { $in: drop } })).deletedCount : 0;

  // Parents that were tombstones and have just lost their last reply go as well.
  const parents = [
    ...new Set(
      comments
        .map((c) => c.parentId)
        .filter((p): p is Types.ObjectId => !!p)
        .map(String),
    ),
  ].map((id) => new Types.ObjectId(id));
  let emptied = 0;
  for (const parentId of parents) {
    if (await CommentModel.exists({ siteId, parentId })) continue;
    emptied += (await CommentModel.deleteOne({ siteId, _id: parentId, status: 'removed' })).deletedCount;
  }
  return { deleted: deleted + emptied, tombstoned, reports };
}

/** Claims the version each tombstone is written on; returns [id, claimed version] pairs. */
async function claimTombstones(
  siteId: string,
  comments: Array<{
    _id: Types.ObjectId;
    version: number;
    authorId: Types.ObjectId | null;
    threadKey: string;
    status: string;
  }>,
  removal: Removal,
): Promise<Array<[Types.ObjectId, number]>> {
  const log = removal.log ?? new ModerationLogService();
  const claimed: Array<[Types.ObjectId, number]> = [];
  for (const c of comments) {
    const held = removal.claimed?.get(String(c._id));
    if (held !== undefined) {
      claimed.push([c._id, held]);
      continue;
    }
    const current = await claimNextVersion(
      log,
      c._id,
      {
        siteId,
        actor: removal.actor,
        action: 'removed',
        subjectId: c.authorId,
        threadKey: c.threadKey,
        reason: removal.reason,
      },
      'erasure.tombstones.waiting',
      (now) => now.status === 'removed' && !now.authorId,
    );
    if (current) claimed.push([c._id, current.version]);
  }
  return claimed;
}
