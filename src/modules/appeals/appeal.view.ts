import type { CommentDoc } from '../comments/comment.model';
import type { BanDoc } from '../bans/ban.model';
import type { AppealDoc } from './appeal.model';

/** An appeal as its moderator decision answers it (no appellant, no text). */
export function appealView(a: AppealDoc) {
  return {
    id: String(a._id),
    about: a.about,
    status: a.status,
    outcome: a.decision?.outcome ?? null,
    reasonId: a.decision?.reasonId ?? null,
    decidedAt: a.decision?.at.toISOString() ?? null,
  };
}

/**
 * An item of the appeals queue: the appeal, the decision appealed (who made it: the
 * system, or a moderator by name), and the comment as it is now (null when it is gone).
 * The appellant is not named: the decision is about what they wrote or did.
 */
export function appealQueueItem(
  a: AppealDoc,
  context: {
    comment: CommentDoc | undefined;
    ban?: Pick<BanDoc, 'until' | 'liftedAt'>;
    moderatorName: string | null;
    mayDecide: boolean;
  },
) {
  const c = context.comment;
  return {
    kind: 'appeal' as const,
    id: String(a._id),
    about: a.about,
    text: a.text,
    createdAt: a.createdAt.toISOString(),
    original: {
      action: a.original.action,
      reasonId: a.original.reasonId,
      by: a.original.by === 'system' ? ('system' as const) : ('moderator' as const),
      moderator: context.moderatorName ? { name: context.moderatorName } : null,
      at: a.original.at.toISOString(),
      note: a.original.note,
    },
    comment: c
      ? { id: String(c._id), body: c.body, status: c.status, thread: c.threadKey, createdAt: c.createdAt.toISOString() }
      : null,
    ban:
      a.about === 'ban'
        ? {
            id: String(a.banId),
            until: context.ban?.until?.toISOString() ?? null,
            inForce: !!context.ban && !context.ban.liftedAt && (!context.ban.until || context.ban.until > new Date()),
          }
        : null,
    mayDecide: context.mayDecide,
  };
}
