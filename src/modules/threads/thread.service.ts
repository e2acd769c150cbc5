import { AppError } from '../../shared/errors';
import { logCause, recordEvents } from '../events/record-events';
import type { Site } from '../sites/site.service';
import { CommentModel } from '../comments/comment.model';
import type { PublicPageCache } from '../../infra/page-cache';
import type { RefusalCache, RefusalView } from '../../infra/refusal-cache';
import type { Actor, ModerationLogService } from '../moderation-log/moderation-log.service';
import { ThreadDoc, ThreadModel } from './thread.model';
import { ThreadCount, ThreadState, toThreadCount, toThreadState } from './thread.view';
import { isDuplicateKey } from '../../infra/mongo';

/**
 * Why a thread is closed, as readers see it: a fixed, public code. A moderator's own
 * words for closing go to the moderation log only, never to readers.
 */
export const CLOSED_BY_MODERATOR = 'closed_by_moderator';
/** Closed by the site's autoCloseAfterDays. */
export const AUTO_CLOSED_REASON = 'auto_closed';
export type ClosedReason = typeof CLOSED_BY_MODERATOR | typeof AUTO_CLOSED_REASON;

/** Threads: state (including automatic closing), creation on first comment, closing (logged). */
export class ThreadService {
  constructor(
    private readonly pageCache: PublicPageCache,
    private readonly log: ModerationLogService,
    private readonly refusals: RefusalCache,
  ) {}

  async find(siteId: string, key: string): Promise<ThreadDoc | null> {
    return ThreadModel.findOne({ siteId, key }).lean();
  }

  /**
   * The thread a write is checked against, from the refusal cache: every write of a
   * thread renews its site's token (refusal-changes.ts), and automatic closing is worked
   * out from the clock. Only a thread that exists is kept; an absent one is asked again.
   */
  async findForWrite(view: RefusalView, key: string): Promise<ThreadDoc | null> {
    return view.get(
      'thread',
      key,
      () => this.find(view.siteId, key),
      (doc) => doc !== null,
    );
  }

  /**
   * The state readers see; an unknown key is an open, empty thread. `changesAt` hears
   * when the state turns by the clock alone (an open thread closing automatically).
   */
  async state(site: Site, key: string, changesAt?: (at: number) => void): Promise<ThreadState> {
    // The same for every reader, so cached with the public pages. Automatic closing
    // depends on the clock and the site's settings, so it is worked out on every call.
    const { thread, commentCount } = await this.pageCache.read(site.id, `thread\n${key}`, async () => {
      const doc = await this.find(site.id, key);
      const count = doc
        ? await CommentModel.countDocuments({ siteId: site.id, threadKey: key, status: 'published' })
        : 0;
      return { thread: doc, commentCount: count };
    });
    const closes = thread ? autoClosesAt(site, thread) : undefined;
    if (closes !== undefined) changesAt?.(closes);
    return toThreadState(site, key, thread, commentCount, thread ? closedReasonOf(site, thread) : undefined);
  }

  /**
   * Status and published-comment count of several threads at once, in the order asked
   * (for article lists). Two queries however many keys; cached like single states.
   */
  async counts(site: Site, keys: string[], changesAt?: (at: number) => void): Promise<ThreadCount[]> {
    const { threads, counts } = await this.pageCache.read(
      site.id,
      `counts\n${JSON.stringify([...keys].sort())}`,
      async () => {
        const docs = await ThreadModel.find({ siteId: site.id, key: { $in: keys } }).lean();
        const grouped = await CommentModel.aggregate<{ _id: string; n: number }>([
          { $match: { siteId: site.id, threadKey: { $in: keys }, status: 'published' } },
          { $group: { _id: '$threadKey', n: { $sum: 1 } } },
        ]);
        return { threads: docs, counts: grouped };
      },
    );
    const threadOf = new Map(threads.map((t) => [t.key, t]));
    const countOf = new Map(counts.map((c) => [c._id, c.n]));
    return keys.map((key) => {
      const thread = threadOf.get(key);
      const closes = thread ? autoClosesAt(site, thread) : undefined;
      if (closes !== undefined) changesAt?.(closes);
      return toThreadCount(key, countOf.get(key) ?? 0, thread ? closedReasonOf(site, thread) : undefined);
    });
  }

  /** Throws 409 THREAD_CLOSED when the thread does not take comments. */
  assertOpen(site: Site, thread: ThreadDoc | null): void {
    if (!thread) return;
    const reason = closedReasonOf(site, thread);
    if (reason !== undefined) throw new AppError('THREAD_CLOSED', { closedReason: reason });
  }

  /**
   * Finds or creates a thread; title and url are remembered from the first comment. With
   * a write's view, the thread is kept in the refusal cache for the writes after it.
   */
  async ensure(
    siteId: string,
    key: string,
    meta: { title?: string; url?: string },
    view?: RefusalView,
  ): Promise<ThreadDoc> {
    const thread = await this.upsert(siteId, key, meta);
    view?.set('thread', key, thread);
    return thread;
  }

  private async upsert(siteId: string, key: string, meta: { title?: string; url?: string }): Promise<ThreadDoc> {
    const filter = { siteId, key };
    const update = {
      $setOnInsert: {
        siteId,
        key,
        title: meta.title ?? null,
        url: meta.url ?? null,
        status: 'open',
        closedReason: null,
        closedAt: null,
        keepOpen: false,
        createdAt: new Date(),
      },
    };
    try {
      return await ThreadModel.findOneAndUpdate(filter, update, { upsert: true, new: true, lean: true }).orFail();
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return ThreadModel.findOne(filter).lean().orFail();
    }
  }

  /**
   * Closes a thread (creating it when no one has commented yet) and logs who did and why:
   * the reason goes to the moderation log only, readers see CLOSED_BY_MODERATOR.
   */
  async close(site: Site, key: string, actor: Actor, reason: string | null): Promise<ThreadState> {
    await this.ensure(site.id, key, {});
    await ThreadModel.findOneAndUpdate(
      { siteId: site.id, key },
      { $set: { status: 'closed', closedReason: CLOSED_BY_MODERATOR, closedAt: new Date(), keepOpen: false } },
      { new: true, lean: true },
    ).orFail();
    const entry = await this.log.append({ siteId: site.id, actor, action: 'thread_closed', threadKey: key, reason });
    await recordEvents([{ type: 'thread.closed', siteId: site.id, cause: logCause(entry), data: { thread: key } }]);
    // Closed for writes in every process once this answers, or the moderator hears it may not be yet.
    await this.refusals.confirm(site.id);
    return this.state(site, key);
  }

  /** Reopens a thread, logged; a reopened thread is exempt from the site's automatic closing. */
  async reopen(site: Site, key: string, actor: Actor): Promise<ThreadState> {
    await ThreadModel.findOneAndUpdate(
      { siteId: site.id, key },
      { $set: { status: 'open', closedReason: null, closedAt: null, keepOpen: true } },
      { new: true, lean: true },
    );
    const entry = await this.log.append({ siteId: site.id, actor, action: 'thread_reopened', threadKey: key });
    await recordEvents([{ type: 'thread.reopened', siteId: site.id, cause: logCause(entry), data: { thread: key } }]);
    await this.refusals.confirm(site.id);
    return this.state(site, key);
  }
}

/**
 * The public reason a thread is closed, or undefined when it is open. Threads closed
 * before reasons were codes may hold a moderator's text: that is never passed on.
 */
function closedReasonOf(site: Site, thread: ThreadDoc): ClosedReason | undefined {
  if (thread.status === 'closed')
    return thread.closedReason === AUTO_CLOSED_REASON ? AUTO_CLOSED_REASON : CLOSED_BY_MODERATOR;
  const closes = autoClosesAt(site, thread);
  if (closes !== undefined && closes <= Date.now()) return AUTO_CLOSED_REASON;
  return undefined;
}

/** When an open thread closes by the site's autoCloseAfterDays (ms since the epoch), if it does. */
function autoClosesAt(site: Site, thread: ThreadDoc): number | undefined {
  const days = site.config.autoCloseAfterDays;
  if (thread.status === 'closed' || days === null || thread.keepOpen) return undefined;
  return thread.createdAt.getTime() + days * 86_400_000;
}
