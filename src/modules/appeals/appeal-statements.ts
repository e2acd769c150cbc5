import { Types } from 'mongoose';
import type { CommentView } from '../comments/comment.view';
import type { Site } from '../sites/site.service';
import { AppealDoc, AppealModel } from './appeal.model';
import { appealStatement, openUntil } from './appeal.service';

/**
 * Adds to an author's own comments on a page what they need to contest a decision: until
 * when they may appeal it, and their appeal's state; and, on a comment an appeal brought
 * back, that appeal. One query for the page, only when it holds comments of the reader's.
 * Returns new objects: the page may share the others with every reader's cached page.
 */
export async function withAppealStatements(site: Site, comments: CommentView[]): Promise<CommentView[]> {
  const mine = comments.flatMap((c) => [c, ...(c.replies ?? [])]).filter((c) => c.mine);
  if (mine.length === 0) return comments;
  const appeals = await AppealModel.find({
    siteId: site.id,
    commentId: { $in: mine.map((c) => new Types.ObjectId(c.id)) },
  })
    .sort({ createdAt: 1 })
    .lean();
  const latest = new Map<string, AppealDoc>();
  for (const a of appeals) latest.set(String(a.commentId), a);
  const annotate = (c: CommentView): CommentView => {
    if (!c.mine) return c;
    const appeal = latest.get(c.id) ?? null;
    if (c.decision) {
      const at = c.decision.at ? new Date(c.decision.at) : null;
      // An appeal filed before the decision stood was against an earlier one.
      const current = appeal && at && appeal.createdAt >= at ? appeal : null;
      return {
        ...c,
        decision: {
          ...c.decision,
          appealUntil: at ? openUntil(site, at, current) : null,
          appeal: current ? appealStatement(current) : null,
        },
      };
    }
    if (appeal?.decision?.outcome === 'reversed' && c.status === 'published')
      return { ...c, appeal: appealStatement(appeal) };
    return c;
  };
  return comments.map((c) => {
    const top = annotate(c);
    return c.replies ? { ...top, replies: c.replies.map(annotate) } : top;
  });
}
