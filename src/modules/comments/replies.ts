import { Types } from 'mongoose';
import { CommentDoc, CommentModel } from './comment.model';
import { afterCursor, decodeCursor, encodeCursor } from '../../shared/cursor';

/** Replies each top-level comment brings on a comment page; the rest follow its repliesCursor. */
export const FIRST_REPLIES = 50;
/**
 * Replies one query reads for a whole comment page. Most threads have fewer, so one query
 * serves the page; when a page has more, the comments it did not fill ask on their own.
 */
const REPLY_SCAN_LIMIT = 500;

/** A comment's replies, oldest first, and where the next ones start (null: none follow). */
export interface ReplySlice {
  replies: CommentDoc[];
  cursor: string | null;
}

/** Which comments a reader may see, as a filter (the service's visibility rule). */
export type Visibility = Record<string, unknown>;

const OLDEST_FIRST = { createdAt: 1, _id: 1 } as const;

/** The first FIRST_REPLIES replies of each top-level comment of a page, by the comment's id. */
export async function firstReplies(
  siteId: string,
  threadKey: string,
  parents: Types.ObjectId[],
  visible: Visibility,
): Promise<Map<string, ReplySlice>> {
  const found = new Map<string, CommentDoc[]>(parents.map((id) => [String(id), []]));
  if (parents.length === 0) return new Map();
  const scanned = await CommentModel.find({ siteId, threadKey, parentId: { $in: parents }, ...visible })
    .sort(OLDEST_FIRST)
    .limit(REPLY_SCAN_LIMIT)
    .lean();
  for (const reply of scanned) found.get(String(reply.parentId))?.push(reply);
  if (scanned.length === REPLY_SCAN_LIMIT) {
    // The scan stopped early: a comment that did not get one more than it shows may have
    // replies after the scan's last one, so it continues from its own last one.
    await Promise.all(
      [...found]
        .filter(([, replies]) => replies.length <= FIRST_REPLIES)
        .map(async ([id, replies]) => {
          const last = replies[replies.length - 1];
          const more = await CommentModel.find(
            replyFilter(siteId, threadKey, new Types.ObjectId(id), visible, last && positionOf(last)),
          )
            .sort(OLDEST_FIRST)
            .limit(FIRST_REPLIES + 1 - replies.length)
            .lean();
          replies.push(...more);
        }),
    );
  }
  return new Map([...found].map(([id, replies]) => [id, sliceOf(replies, FIRST_REPLIES)]));
}

/** One page of a comment's replies, oldest first, after the cursor (from the start without one). */
export async function replyPage(
  parent: CommentDoc,
  visible: Visibility,
  cursor: string | undefined,
  limit: number,
): Promise<ReplySlice> {
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const replies = await CommentModel.find(replyFilter(parent.siteId, parent.threadKey, parent._id, visible, after))
    .sort(OLDEST_FIRST)
    .limit(limit + 1)
    .lean();
  return sliceOf(replies, limit);
}

function replyFilter(
  siteId: string,
  threadKey: string,
  parentId: Types.ObjectId,
  visible: Visibility,
  after?: { createdAt: Date; id: Types.ObjectId },
): Record<string, unknown> {
  const filter: Record<string, unknown> = { siteId, threadKey, parentId, ...visible };
  if (after) filter.$and = [afterCursor(after, 1)];
  return filter;
}

function positionOf(doc: CommentDoc): { createdAt: Date; id: Types.ObjectId } {
  return { createdAt: doc.createdAt, id: doc._id };
}

/** The first n, and a cursor after the last of them when at least one more was read. */
function sliceOf(replies: CommentDoc[], n: number): ReplySlice {
  if (replies.length <= n) return { replies, cursor: null };
  const shown = replies.slice(0, n);
  return { replies: shown, cursor: encodeCursor(positionOf(shown[n - 1] as CommentDoc)) };
}
