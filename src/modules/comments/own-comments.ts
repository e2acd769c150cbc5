import { Types } from 'mongoose';
import { decodeCursor, encodeCursor } from '../../shared/cursor';
import type { CommenterService } from '../commenters/commenter.service';
import { CommentDoc, CommentModel } from './comment.model';
import { CommentView, toCommentView } from './comment.view';
import { FIRST_REPLIES } from './replies';

/**
 * What a reader with a login sees beyond the page every reader shares: their own comments
 * marked `mine`, and their comments nobody else sees (pending) in their places. Both come
 * from memory: the shared page knows whose each comment is, and a thread's comments only
 * their authors see are read once per change of them (one indexed query and their
 * authors' names) for all its readers. A reader with nothing of their own in the thread
 * gets the shared page itself.
 */

/**
 * Statuses in which the author sees what others do not: waiting for a decision, rejected,
 * and removed by a moderator (both with the decision's statement). Others see a removed
 * comment, at most, as a tombstone in its place: the author's view replaces it.
 */
export const OWN_KEPT_STATUSES = ['pending', 'rejected', 'removed'] as const;
/**
 * Most such comments a thread's overlay holds; past it (a thread under a spam wave) its
 * readers with a login get their page from the database instead.
 */
const OWN_SCAN_LIMIT = 500;

/** A comment page as every reader without a login sees it. */
export interface CommentPage {
  comments: CommentView[];
  nextCursor: string | null;
}

/** The shared page and, by comment id, its author's host user id (never sent to readers). */
export interface SharedPage {
  page: CommentPage;
  authorOf: Record<string, string>;
}

/** A thread's comments only their authors see, by the author's host user id. */
export interface OwnOnlyComments {
  byAuthor: Record<string, CommentDoc[]>;
  names: Record<string, string>;
  /** False when the thread had more than OWN_SCAN_LIMIT: then this cannot answer alone. */
  complete: boolean;
}

const OLDEST_FIRST = { createdAt: 1, _id: 1 } as const;

/** Reads a thread's comments only their authors see (one query, and one for their authors). */
export async function loadOwnOnly(
  siteId: string,
  threadKey: string,
  commenters: CommenterService,
): Promise<OwnOnlyComments> {
  // One equality per status, not $in: FerretDB 1.x pushes only equalities down to its
  // storage, and answers $in by decoding the whole collection.
  const each = await Promise.all(
    OWN_KEPT_STATUSES.map((status) =>
      // Tombstones (removed, no author) are everyone's: only comments kept for their author.
      CommentModel.find({ siteId, threadKey, status, ...(status === 'removed' ? { authorId: { $ne: null } } : {}) })
        .sort(OLDEST_FIRST)
        .limit(OWN_SCAN_LIMIT + 1)
        .lean(),
    ),
  );
  const docs = each
    .flat()
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || Buffer.compare(a._id.id, b._id.id))
    .slice(0, OWN_SCAN_LIMIT + 1);
  const complete = docs.length <= OWN_SCAN_LIMIT;
  const authors = await commenters.authorsById(
    siteId,
    docs.map((d) => d.authorId).filter((id): id is Types.ObjectId => !!id),
  );
  const byAuthor: Record<string, CommentDoc[]> = {};
  const names: Record<string, string> = {};
  for (const doc of docs.slice(0, OWN_SCAN_LIMIT)) {
    const author = doc.authorId ? authors.get(String(doc.authorId)) : undefined;
    if (!author) continue;
    (byAuthor[author.sub] ??= []).push(doc);
    names[String(doc.authorId)] = author.name;
  }
  return { byAuthor, names, complete };
}

/** The authors of a shared page, worked out once per page held. */
const authorsOfPage = new WeakMap<SharedPage, Set<string>>();

/** True when the reader has nothing of their own on the shared page or among the hidden ones. */
export function nothingOwn(shared: SharedPage, own: OwnOnlyComments, sub: string): boolean {
  if (own.byAuthor[sub]) return false;
  let authors = authorsOfPage.get(shared);
  if (!authors) authorsOfPage.set(shared, (authors = new Set(Object.values(shared.authorOf))));
  return !authors.has(sub);
}

/**
 * The shared page as this reader sees it: their comments marked, their hidden ones merged
 * in order as the database would have returned them (the same limit, cursor and sort).
 */
export function withOwn(
  shared: SharedPage,
  own: OwnOnlyComments,
  sub: string,
  query: { sort: 'oldest' | 'newest'; limit: number; cursor?: string },
): CommentPage {
  const direction = query.sort === 'newest' ? -1 : 1;
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const kept = own.byAuthor[sub] ?? [];
  const names = new Map(Object.entries(own.names));
  const view = (doc: CommentDoc) => toCommentView(doc, names, doc.authorId);
  // The author's removed comments that others see as tombstones on the shared page: the
  // author's view takes the tombstone's place; the rest are merged in.
  const onPage = new Set(shared.page.comments.flatMap((c) => [c.id, ...(c.replies ?? []).map((r) => r.id)]));
  const inPlace = new Map(kept.filter((c) => onPage.has(String(c._id))).map((c) => [String(c._id), c]));
  const hidden = kept.filter((c) => !inPlace.has(String(c._id)));
  const mark = (v: CommentView): CommentView => {
    const whole = inPlace.get(v.id);
    if (whole) return { ...view(whole), ...(v.replies ? { replies: v.replies, repliesCursor: v.repliesCursor } : {}) };
    return shared.authorOf[v.id] === sub ? { ...v, mine: true } : v;
  };
  const repliesOf = (parentId: string) => hidden.filter((c) => String(c.parentId) === parentId).map(view);

  const sharedTop = shared.page.comments.map((c) => {
    const own = repliesOf(c.id);
    const marked = c.replies?.map(mark) ?? [];
    if (own.length === 0 && !c.replies?.some((r) => shared.authorOf[r.id] === sub)) return mark(c);
    const replies = firstOf(merge(marked, own, 1), FIRST_REPLIES, c.repliesCursor !== null);
    return { ...mark(c), replies: replies.items, repliesCursor: replies.cursor };
  });
  const ownTop = hidden
    .filter((c) => c.parentId === null && (!after || isAfter(c, after, direction)))
    .map((c) => {
      const replies = firstOf(repliesOf(String(c._id)), FIRST_REPLIES, false);
      return { ...view(c), replies: replies.items, repliesCursor: replies.cursor };
    });
  const page = firstOf(merge(sharedTop, ownTop, direction), query.limit, shared.page.nextCursor !== null);
  return { comments: page.items, nextCursor: page.cursor };
}

/** Two lists each sorted by (createdAt, id) in the direction, as one. */
function merge(a: CommentView[], b: CommentView[], direction: 1 | -1): CommentView[] {
  if (b.length === 0) return a;
  return [...a, ...b].sort((x, y) => direction * compare(x, y));
}

function compare(x: CommentView, y: CommentView): number {
  if (x.createdAt !== y.createdAt) return x.createdAt < y.createdAt ? -1 : 1;
  return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}

/** The first n, and the cursor after the last of them when more follow (or followed already). */
function firstOf(items: CommentView[], n: number, moreFollowed: boolean) {
  const shown = items.slice(0, n);
  const last = shown[shown.length - 1];
  const more = items.length > n || moreFollowed;
  return {
    items: shown,
    cursor:
      more && last ? encodeCursor({ createdAt: new Date(last.createdAt), id: new Types.ObjectId(last.id) }) : null,
  };
}

function isAfter(doc: CommentDoc, cursor: { createdAt: Date; id: Types.ObjectId }, direction: 1 | -1): boolean {
  const t = doc.createdAt.getTime() - cursor.createdAt.getTime();
  if (t !== 0) return direction * t > 0;
  return direction * Buffer.compare(doc._id.id, cursor.id.id) > 0;
}
