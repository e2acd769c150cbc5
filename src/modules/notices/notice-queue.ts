import type { CommenterService } from '../commenters/commenter.service';
import type { CaseQueue, CaseQueueQuery } from '../moderation/case-queue';
import type { Site } from '../sites/site.service';
import { afterCursor, decodeCursor, encodeCursor } from '../../shared/cursor';
import { NoticeModel } from './notice.model';
import { moderatorViews } from './notice-context';
import type { NoticeModeratorView } from './notice.view';

/** The moderators' queue `notices`: the site's open notices of illegal content, oldest first. */
export class NoticeQueue implements CaseQueue {
  readonly name = 'notices' as const;

  constructor(private readonly commenters: CommenterService) {}

  count(site: Site): Promise<number> {
    return NoticeModel.countDocuments({ siteId: site.id, status: 'received' });
  }

  async list(site: Site, query: CaseQueueQuery): Promise<{ items: NoticeModeratorView[]; nextCursor: string | null }> {
    const filter: Record<string, unknown> = { siteId: site.id, status: 'received' };
    if (query.thread) filter.threadKey = query.thread;
    if (query.cursor) Object.assign(filter, afterCursor(decodeCursor(query.cursor), 1));
    const page = await NoticeModel.find(filter)
      .sort({ createdAt: 1, _id: 1 })
      .limit(query.limit + 1)
      .lean();
    const notices = page.slice(0, query.limit);
    const last = notices[notices.length - 1];
    return {
      items: await moderatorViews(site.id, notices, this.commenters),
      nextCursor: page.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last._id }) : null,
    };
  }
}
