import { Types } from 'mongoose';
import type { Identity } from '../auth/commenter-token';
import type { CommenterService } from '../commenters/commenter.service';
import { CommenterModel } from '../commenters/commenter.model';
import { CommentModel } from '../comments/comment.model';
import { BanModel } from '../bans/ban.model';
import { afterCursor, decodeCursor, encodeCursor } from '../../shared/cursor';
import type { CaseQueue, CaseQueueQuery } from '../moderation/case-queue';
import type { Site } from '../sites/site.service';
import { AppealModel } from './appeal.model';
import { appealQueueItem } from './appeal.view';

/**
 * The `appeals` queue on /moderate: open appeals, oldest first, each with the decision
 * appealed beside it (and the comment or the ban), and whether the viewing moderator may
 * decide it (not when they made the decision).
 */
export class AppealQueue implements CaseQueue {
  readonly name = 'appeals' as const;

  constructor(private readonly commenters: CommenterService) {}

  count(site: Site): Promise<number> {
    return AppealModel.countDocuments({ siteId: site.id, status: 'open' });
  }

  async list(site: Site, query: CaseQueueQuery, viewer: Identity) {
    const filter: Record<string, unknown> = { siteId: site.id, status: 'open' };
    if (query.cursor) filter.$and = [afterCursor(decodeCursor(query.cursor), 1)];
    const page = await AppealModel.find(filter)
      .sort({ createdAt: 1, _id: 1 })
      .limit(query.limit + 1)
      .lean();
    const appeals = page.slice(0, query.limit);
    const commentIds = appeals.flatMap((a) => (a.commentId ? [a.commentId] : []));
    const deciders = [
      ...new Set(appeals.map((a) => a.original.by).filter((by) => Types.ObjectId.isValid(by) && by !== 'system')),
    ].map((id) => new Types.ObjectId(id));
    const banIds = appeals.flatMap((a) => (a.banId ? [a.banId] : []));
    const [comments, bans, moderators, me] = await Promise.all([
      commentIds.length ? CommentModel.find({ siteId: site.id, _id: { $in: commentIds } }).lean() : [],
      banIds.length ? BanModel.find({ siteId: site.id, _id: { $in: banIds } }, { until: 1, liftedAt: 1 }).lean() : [],
      deciders.length ? CommenterModel.find({ siteId: site.id, _id: { $in: deciders } }, { name: 1 }).lean() : [],
      this.commenters.find(site.id, viewer.sub),
    ]);
    const commentById = new Map(comments.map((c) => [String(c._id), c]));
    const banById = new Map(bans.map((b) => [String(b._id), b]));
    const nameById = new Map(moderators.map((m) => [String(m._id), m.name]));
    const items = appeals
      .filter((a) => !query.thread || commentById.get(String(a.commentId))?.threadKey === query.thread)
      .map((a) =>
        appealQueueItem(a, {
          comment: a.commentId ? commentById.get(String(a.commentId)) : undefined,
          ban: a.banId ? banById.get(String(a.banId)) : undefined,
          moderatorName: nameById.get(a.original.by) ?? null,
          mayDecide: a.original.by === 'system' || !me || a.original.by !== String(me._id),
        }),
      );
    const last = appeals[appeals.length - 1];
    return {
      items,
      nextCursor: page.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last._id }) : null,
    };
  }
}
