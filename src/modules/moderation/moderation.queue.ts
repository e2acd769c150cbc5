import { z } from 'zod';
import type { Logger } from '../../infra/logger';
import { TypedQueue } from '../../infra/queue';
import { RedisConnections } from '../../infra/redis';
import { Types } from 'mongoose';
import { OutboxModel } from './outbox.model';

/** A moderation job names a comment and the revision to decide; nothing else. */
export const moderationPayload = z.object({
  commentId: z.string().regex(/^[a-f0-9]{24}$/),
  revision: z.number().int().min(1),
}).strict();
export type ModerationPayload = z.infer<typeof moderationPayload>;

export const MODERATION_QUEUE = 'moderation';

/** One job per comment revision: adding it twice yields one job. */
export function moderationJobId(commentId: string, revision: number): string {
  return `moderate:${commentId}:${revision}`;
}

/**
 * Puts comments on the moderation queue through an outbox: the entry is written before
 * the comment and removed only once Redis has the job; the sweeper re-adds any that were
 * not taken (Redis down at the time, process died in between).
 */
export class ModerationQueue {
  readonly queue: TypedQueue<ModerationPayload>;

  constructor(redis: RedisConnections, prefix: string, private readonly logger: Logger, lockMs?: number) {
    this.queue = new TypedQueue(MODERATION_QUEUE, moderationPayload, redis, prefix, lockMs);
  }

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
      await this.queue.add(moderationJobId(commentId, revision), { commentId, revision });
    } catch (err) {
      this.logger.warn({ commentId, revision, errName: (err as Error).name }, 'moderation job not enqueued; the sweeper will retry');
      return false;
    }
    await OutboxModel.deleteMany({ commentId: new Types.ObjectId(commentId), revision });
    return true;
  }

  /** Enqueues revisions whose job never reached Redis; returns how many were taken. */
  async sweep(olderThanMs = 5000, batch = 200): Promise<number> {
    const stuck = await OutboxModel.find({ createdAt: { $lt: new Date(Date.now() - olderThanMs) } })
      .sort({ createdAt: 1 }).limit(batch).lean();
    let taken = 0;
    for (const entry of stuck) {
      // A revision whose comment was never written (or is gone) yields a job the processor skips.
      if (await this.enqueue(String(entry.commentId), entry.revision)) taken++;
      else break; // Redis still away: try again next round
    }
    return taken;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
