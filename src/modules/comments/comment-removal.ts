import { Types } from 'mongoose';
import { OutboxModel } from '../moderation/outbox.model';
import { ReportModel } from '../reports/report.model';
import { CommentModel } from './comment.model';
import { IdempotencyModel } from './idempotency.model';

/** What a removal did, for receipts and retention logs. */
export interface RemovalCounts {
  deleted: number;
  tombstoned: number;
  reports: number;
}

/**
 * Removes comments of one site the same way everywhere (author's delete, erasure,
 * retention): a comment others replied to stays as a tombstone without text, author or IP
 * hash, so the replies keep their place; every other comment is deleted with the reports
 * about it and the idempotency records that point at it. A tombstone left without
 * replies is deleted too. Idempotent: running it twice changes nothing more.
 */
export async function removeComments(siteId: string, ids: Types.ObjectId[]): Promise<RemovalCounts> {
  if (ids.length === 0) return { deleted: 0, tombstoned: 0, reports: 0 };
  const comments = await CommentModel.find({ siteId, _id: { $in: ids } }, { threadKey: 1, parentId: 1 }).lean();
  const withReplies = new Set(
    (await CommentModel.find({ siteId, parentId: { $in: comments.map((c) => c._id) } }, { parentId: 1 }).lean())
      .map((r) => String(r.parentId)),
  );
  const keep = comments.filter((c) => withReplies.has(String(c._id))).map((c) => c._id);
  const drop = comments.filter((c) => !withReplies.has(String(c._id))).map((c) => c._id);

  const now = new Date();
  const tombstoned = keep.length
    ? (await CommentModel.updateMany(
      { siteId, _id: { $in: keep } },
      { $set: { status: 'removed', body: '', authorId: null, ipHash: null, rules: [], held: false, updatedAt: now }, $inc: { version: 1 } },
    )).modifiedCount
    : 0;
  const reports = (await ReportModel.deleteMany({ commentId: { $in: [...keep, ...drop] } })).deletedCount;
  await IdempotencyModel.deleteMany({ siteId, commentId: { $in: drop } });
  await OutboxModel.deleteMany({ commentId: { $in: [...keep, ...drop] } });
  const deleted = drop.length ? (await CommentModel.deleteMany({ siteId, _id: { $in: drop } })).deletedCount : 0;

  // Parents that were tombstones and have just lost their last reply go as well.
  const parents = [...new Set(comments.map((c) => c.parentId).filter((p): p is Types.ObjectId => !!p).map(String))]
    .map((id) => new Types.ObjectId(id));
  let emptied = 0;
  for (const parentId of parents) {
    if (await CommentModel.exists({ siteId, parentId })) continue;
    emptied += (await CommentModel.deleteOne({ siteId, _id: parentId, status: 'removed' })).deletedCount;
  }
  return { deleted: deleted + emptied, tombstoned, reports };
}
