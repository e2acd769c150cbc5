import { Types } from 'mongoose';
import type { Logger } from '../../infra/logger';
import type { TypedQueue } from '../../infra/queue';
import { moderationJob, ModerationPayload } from './moderation.job';
import { OutboxModel } from './outbox.model';

/** How long a taken entry waits to be removed with others: one delete for many posts, off their answer's path. */
const REMOVAL_DELAY_MS = 50;
/** Most entries one delete removes; a full batch goes at once. */
const REMOVAL_BATCH = 100;

/**
 * Puts comments on the moderation queue through an outbox: the entry is written before
 * the comment and removed only once Redis has the job; the sweeper re-adds any that were
 * not taken (Redis down at the time, process died in between).
 *
 * Entries whose job Redis has taken are removed in batches shortly after, not by the
 * request that wrote them. One left behind (the process stopped first, or the delete
 * failed) is harmless: the sweeper adds its job again, which bull keeps once (the job id
 * is derived from comment and revision), and then removes it.
 */
export class ModerationQueue {
  private readonly taken: Array<{ commentId: Types.ObjectId; revision: number }> = [];
  private removalTimer: NodeJS.Timeout | undefined;
  private removing: Promise<void> = Promise.resolve();

  constructor(
    private readonly queue: TypedQueue<ModerationPayload>,
    private readonly logger: Logger,
  ) {}

  /** Records the intent to moderate a revision; call before writing the comment. */
  async record(commentId: Types.ObjectId, revision: number): Promise<void> {
    await OutboxModel.create({ commentId, revision, createdAt: new Date() });
  }

  /** Forgets an intent whose comment write failed. */
  async forget(commentId: Types.ObjectId, revision: number): Promise<void> {
    await OutboxModel.deleteMany({ commentId, revision });
  }

  /** Enqueues a comment revision; false when Redis did not take it (the sweeper retries). */
  async enqueue(commentId: string, revision: number): Promise<boolean> {
    try {
      await this.queue.add(moderationJob.jobId({ commentId, revision }), { commentId, revision });
    } catch (err) {
      this.logger.warn(
        { commentId, revision, errName: (err as Error).name },
        'moderation job not enqueued; the sweeper will retry',
      );
      return false;
    }
    this.removeLater(new Types.ObjectId(commentId), revision);
    return true;
  }

  /** Enqueues revisions whose job never reached Redis; returns how many were taken. */
  async sweep(olderThanMs = 5000, batch = 200): Promise<number> {
    const stuck = await OutboxModel.find({ createdAt: { $lt: new Date(Date.now() - olderThanMs) } })
      .sort({ createdAt: 1 })
      .limit(batch)
      .lean();
    let taken = 0;
    for (const entry of stuck) {
      // A revision whose comment was never written (or is gone) yields a job the processor skips.
      if (await this.enqueue(String(entry.commentId), entry.revision)) taken++;
      else break; // Redis still away: try again next round
    }
    await this.flush();
    return taken;
  }

  /** Removes the entries of every job Redis has taken so far; resolves once they are gone (or the delete failed). */
  async flush(): Promise<void> {
    if (this.removalTimer) clearTimeout(this.removalTimer);
    this.removalTimer = undefined;
    while (this.taken.length > 0) this.startRemoval();
    await this.removing;
  }

  private removeLater(commentId: Types.ObjectId, revision: number): void {
    this.taken.push({ commentId, revision });
    if (this.taken.length >= REMOVAL_BATCH) {
      if (this.removalTimer) clearTimeout(this.removalTimer);
      this.removalTimer = undefined;
      this.startRemoval();
    } else {
      if (!this.removalTimer) {
        this.removalTimer = setTimeout(() => {
          this.removalTimer = undefined;
          this.startRemoval();
        }, REMOVAL_DELAY_MS);
        // Shutting down flushes what is left (closeServices); the timer keeps nothing alive.
        this.removalTimer.unref();
      }
    }
  }

  /** One delete of up to REMOVAL_BATCH entries, after the one before it. */
  private startRemoval(): void {
    const batch = this.taken.splice(0, REMOVAL_BATCH);
    if (batch.length === 0) return;
    this.removing = this.removing.then(() =>
      OutboxModel.deleteMany({ $or: batch })
        .then(() => undefined)
        .catch((err: Error) => {
          this.logger.warn(
            { errName: err.name, entries: batch.length },
            'outbox entries not removed; the sweeper will',
          );
        }),
    );
  }
}
