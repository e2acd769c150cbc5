import type { Types } from 'mongoose';
import type { CommenterService } from '../commenters/commenter.service';
import { CommentModel } from '../comments/comment.model';
import { NoticeDoc, NoticeModel } from './notice.model';
import { noticeModeratorView, NoticeModeratorView } from './notice.view';

/**
 * Moderators' views of notices, with the comments they are about (as they are now), the
 * comments' authors and how many notices about each comment are open: three queries
 * however many notices.
 */
export async function moderatorViews(
  siteId: string,
  notices: NoticeDoc[],
  commenters: CommenterService,
): Promise<NoticeModeratorView[]> {
  if (notices.length === 0) return [];
  const commentIds = [...new Map(notices.map((n) => [String(n.commentId), n.commentId])).values()];
  const [comments, open] = await Promise.all([
    CommentModel.find(
      { siteId, _id: { $in: commentIds } },
      { body: 1, status: 1, threadKey: 1, createdAt: 1, authorId: 1 },
    ).lean(),
    NoticeModel.find({ siteId, commentId: { $in: commentIds }, status: 'received' }, { commentId: 1 }).lean(),
  ]);
  const names = await commenters.namesById(
    siteId,
    comments.map((c) => c.authorId).filter((id): id is Types.ObjectId => !!id),
  );
  const commentOf = new Map(comments.map((c) => [String(c._id), c]));
  const openOn = new Map<string, number>();
  for (const o of open) openOn.set(String(o.commentId), (openOn.get(String(o.commentId)) ?? 0) + 1);
  return notices.map((n) => {
    const comment = commentOf.get(String(n.commentId));
    return noticeModeratorView(n, {
      comment,
      authorName: comment?.authorId ? names.get(String(comment.authorId)) : undefined,
      openNoticesOnComment: openOn.get(String(n.commentId)) ?? 0,
    });
  });
}
