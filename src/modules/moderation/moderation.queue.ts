import { Types } from 'mongoose';
import type { Logger } from '../../infra/logger';
import type { TypedQueue } from '../../infra/queue';
import { moderationJob, ModerationPayload } from './moderation.job';
import { OutboxModel } from './outbox.model';

/**
 * Puts comments on the moderation queue through an outbox: the entry is written before
 * the comment and removed only once Redis has the job; the sweeper re-adds any that were
 * not taken (Redis down at the time, process died in between).
 */
export class ModerationQueue {
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
    await OutboxModel.deleteMany({ commentId: new Types.ObjectId(commentId), revision });
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
    return taken;
  }
}
