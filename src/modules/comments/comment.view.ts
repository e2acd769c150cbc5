import { Types } from 'mongoose';
import type { CommentDoc } from './comment.model';

/** A comment as the API returns it. */
export interface CommentView {
  id: string;
  thread: string;
  parentId: string | null;
  author: { name: string } | null;
  body: string;
  status: CommentDoc['status'];
  createdAt: string;
  editedAt: string | null;
  mine: boolean;
  /**
   * On a rejected comment, or one a moderator removed, to its author (the only one who sees
   * either whole): the statement of the decision,
   * the site's reason (its label and ground at GET …/reasons), who made it and when.
   */
  decision?: { reasonId: string | null; by: 'system' | 'moderator'; at: string | null };
  replies?: CommentView[];
  /** On a top-level comment of a page: where its further replies start, null when none follow. */
  repliesCursor?: string | null;
}

/**
 * Shapes a stored comment for readers. A removed comment keeps its place as a tombstone
 * without text or author; only its author, while a moderator's removal keeps it for them,
 * sees it whole, with the decision.
 */
export function toCommentView(
  doc: CommentDoc,
  names: Map<string, string>,
  viewerId: Types.ObjectId | null,
): CommentView {
  const mine = !!viewerId && !!doc.authorId && viewerId.equals(doc.authorId);
  const removed = doc.status === 'removed' && !mine;
  const authorName = doc.authorId ? names.get(String(doc.authorId)) : undefined;
  return {
    id: String(doc._id),
    thread: doc.threadKey,
    parentId: doc.parentId ? String(doc.parentId) : null,
    author: removed || !authorName ? null : { name: authorName },
    body: removed ? '' : doc.body,
    status: doc.status,
    createdAt: doc.createdAt.toISOString(),
    editedAt: doc.editedAt ? doc.editedAt.toISOString() : null,
    mine,
    ...(doc.status === 'rejected' || (doc.status === 'removed' && mine)
      ? {
          decision: {
            reasonId: doc.reasonId ?? null,
            by: doc.decidedBy === 'system' ? ('system' as const) : ('moderator' as const),
            at: doc.decidedAt ? doc.decidedAt.toISOString() : null,
          },
        }
      : {}),
  };
}
