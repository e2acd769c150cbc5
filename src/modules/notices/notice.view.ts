import type { CommentDoc } from '../comments/comment.model';
import type { NoticeDoc } from './notice.model';

const decisionOf = (n: NoticeDoc) =>
  n.decision ? { action: n.decision.action, reasonId: n.decision.reasonId, at: n.decision.at.toISOString() } : null;

/**
 * A notice as the holder of its token reads it: the case and its outcome, and nothing
 * about any person (not the comment, its author, nor the notifier's own name or address).
 */
export function noticeStatusView(n: NoticeDoc) {
  const decision = decisionOf(n);
  return {
    id: String(n._id),
    status: n.status,
    reasonId: n.reasonId,
    createdAt: n.createdAt.toISOString(),
    ...(decision ? { decision } : {}),
  };
}

/** What a moderator's view of a notice is built from, beside the notice. */
export interface NoticeContext {
  /** The comment as it is now; undefined when it is gone (deleted or a tombstone). */
  comment: Pick<CommentDoc, '_id' | 'body' | 'status' | 'threadKey' | 'createdAt'> | undefined;
  authorName: string | undefined;
  openNoticesOnComment: number;
}

/**
 * A notice as moderators see it: the notifier's explanation, but whether they gave a
 * name or an address only, never which; the comment, or null once it is gone.
 */
export function noticeModeratorView(n: NoticeDoc, context: NoticeContext) {
  const { comment } = context;
  return {
    kind: 'notice' as const,
    id: String(n._id),
    status: n.status,
    reasonId: n.reasonId,
    explanation: n.explanation,
    createdAt: n.createdAt.toISOString(),
    decision: decisionOf(n),
    notifier: { named: !!n.notifierName, email: !!n.notifierEmail },
    openNoticesOnComment: context.openNoticesOnComment,
    comment:
      comment && comment.status !== 'removed'
        ? {
            id: String(comment._id),
            body: comment.body,
            status: comment.status,
            thread: comment.threadKey,
            createdAt: comment.createdAt.toISOString(),
            author: context.authorName !== undefined ? { name: context.authorName } : null,
          }
        : null,
  };
}
export type NoticeModeratorView = ReturnType<typeof noticeModeratorView>;
