import { Types } from 'mongoose';
import { CommenterModel } from '../commenters/commenter.model';
import { CommentDoc, CommentModel } from '../comments/comment.model';
import { afterCursor, decodeCursor, encodeCursor } from '../../shared/cursor';
import { ReportModel } from '../reports/report.model';
import type { Site } from '../sites/site.service';
import { ThreadModel } from '../threads/thread.model';
import { REVIEW_QUEUES, ReviewQueueName } from './moderation.schemas';
import { ReviewItem, toReviewItem } from './review-queues.view';

/**
 * Which comments each review queue holds; counts and lists use the same filters, so they
 * agree. The reported queue is computed from the unresolved reports themselves: no counter
 * is kept on the comment that could drift from them.
 */
async function queueFilter(site: Site, queue: ReviewQueueName): Promise<Record<string, unknown>> {
  switch (queue) {
    case 'pending':
      return { siteId: site.id, status: 'pending', held: true };
    case 'reported':
      return {
        siteId: site.id,
        status: 'published',
        _id: { $in: await reportedCommentIds(site.id, site.config.moderation.reportThreshold) },
      };
    case 'rejected':
      return { siteId: site.id, status: 'rejected' };
    case 'approved':
      return { siteId: site.id, status: 'published' };
  }
}

/** Comments of a site with at least `threshold` unresolved reports: the reported queue (and the moderators' mail of it). */
export async function reportedCommentIds(siteId: string, threshold: number): Promise<Types.ObjectId[]> {
  const rows = await ReportModel.aggregate<{ _id: Types.ObjectId; n: number }>([
    { $match: { siteId, resolved: false } },
    { $group: { _id: '$commentId', n: { $sum: 1 } } },
    { $match: { n: { $gte: threshold } } },
  ]);
  return rows.map((r) => r._id);
}

/** True when a comment has unresolved reports (it is then waiting for a person). */
export async function hasOpenReports(commentId: Types.ObjectId): Promise<boolean> {
  return !!(await ReportModel.exists({ commentId, resolved: false }));
}

/**
 * The moderators' review queues: exact counts (counted from the data) and items oldest
 * first. Not to be confused with the moderation jobs' queue on Redis (moderation.queue.ts).
 */
export class ReviewQueueService {
  async counts(site: Site): Promise<Record<ReviewQueueName, number>> {
    const entries = await Promise.all(
      REVIEW_QUEUES.map(async (q) => [q, await CommentModel.countDocuments(await queueFilter(site, q))] as const),
    );
    return Object.fromEntries(entries) as Record<ReviewQueueName, number>;
  }

  /**
   * A page of a queue, with the site's origins: the moderators' page links a thread only
   * to an address on them.
   */
  async list(
    site: Site,
    queue: ReviewQueueName,
    options: { cursor?: string; limit: number; thread?: string },
  ): Promise<{ items: ReviewItem[]; nextCursor: string | null; origins: string[] }> {
    const filter: Record<string, unknown> = await queueFilter(site, queue);
    if (options.thread) filter.threadKey = options.thread;
    if (options.cursor) filter.$and = [afterCursor(decodeCursor(options.cursor), 1)];
    const page = await CommentModel.find(filter)
      .sort({ createdAt: 1, _id: 1 })
      .limit(options.limit + 1)
      .lean();
    const comments = page.slice(0, options.limit);
    const items = await this.items(site, comments);
    const last = comments[comments.length - 1];
    return {
      items,
      nextCursor:
        page.length > options.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last._id }) : null,
      origins: site.config.origins,
    };
  }

  /** One item, for answering a decision. */
  async item(site: Site, comment: CommentDoc): Promise<ReviewItem> {
    return (await this.items(site, [comment]))[0] as ReviewItem;
  }

  /** Looks up what the items show with a fixed number of queries per page (no $lookup). */
  private async items(site: Site, comments: CommentDoc[]): Promise<ReviewItem[]> {
    if (comments.length === 0) return [];
    const authorIds = [
      ...new Set(
        comments
          .map((c) => c.authorId)
          .filter((id): id is Types.ObjectId => !!id)
          .map(String),
      ),
    ].map((id) => new Types.ObjectId(id));
    const threadKeys = [...new Set(comments.map((c) => c.threadKey))];
    const [authors, history, threads, reports] = await Promise.all([
      CommenterModel.find({ siteId: site.id, _id: { $in: authorIds } }, { sub: 1, name: 1 }).lean(),
      CommentModel.aggregate<{ _id: { a: Types.ObjectId; s: string }; n: number }>([
        { $match: { siteId: site.id, authorId: { $in: authorIds } } },
        { $group: { _id: { a: '$authorId', s: '$status' }, n: { $sum: 1 } } },
      ]),
      ThreadModel.find({ siteId: site.id, key: { $in: threadKeys } }).lean(),
      ReportModel.find({ commentId: { $in: comments.map((c) => c._id) } })
        .sort({ createdAt: 1 })
        .lean(),
    ]);
    const authorById = new Map(authors.map((a) => [String(a._id), a]));
    const threadByKey = new Map(threads.map((t) => [t.key, t]));
    const countOf = (authorId: string, status: string) =>
      history.find((h) => String(h._id.a) === authorId && h._id.s === status)?.n ?? 0;
    return comments.map((c) => {
      const authorId = String(c.authorId);
      return toReviewItem(c, {
        author: c.authorId ? authorById.get(authorId) : undefined,
        history: {
          published: countOf(authorId, 'published'),
          rejected: countOf(authorId, 'rejected'),
          pending: countOf(authorId, 'pending'),
        },
        thread: threadByKey.get(c.threadKey),
        reports: reports.filter((r) => r.commentId.equals(c._id)),
        origins: site.config.origins,
      });
    });
  }
}
