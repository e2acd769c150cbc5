import { z } from 'zod';
import type { Logger } from '../../infra/logger';
import { TypedQueue } from '../../infra/queue';
import { RedisConnections } from '../../infra/redis';
import { CommentModel } from '../comments/comment.model';

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
 * Puts comments on the moderation queue. The comment's `needsEnqueue` flag is an outbox:
 * it is cleared only once Redis has the job, and the sweeper re-adds any that were not
 * taken (Redis down at the time, process died between the two writes).
 */
export class ModerationQueue {
  readonly queue: TypedQueue<ModerationPayload>;

  constructor(redis: RedisConnections, prefix: string, private readonly logger: Logger) {
    this.queue = new TypedQueue(MODERATION_QUEUE, moderationPayload, redis, prefix);
  }

  /** Enqueues a comment revision; false when Redis did not take it (the sweeper retries). */
  async enqueue(commentId: string, revision: number): Promise<boolean> {
    try {
      await this.queue.add(moderationJobId(commentId, revision), { commentId, revision });
    } catch (err) {
      this.logger.warn({ commentId, revision, err: (err as Error).message }, 'moderation job not enqueued; the sweeper will retry');
      return false;
    }
    await CommentModel.updateOne({ _id: commentId, revision }, { $set: { needsEnqueue: false } });
    return true;
  }

  /** Re-enqueues comments whose job never reached Redis; returns how many were taken. */
  async sweep(olderThanMs = 5000, batch = 200): Promise<number> {
    const stuck = await CommentModel.find(
      { needsEnqueue: true, updatedAt: { $lt: new Date(Date.now() - olderThanMs) } },
      { _id: 1, revision: 1 },
    ).sort({ updatedAt: 1 }).limit(batch).lean();
    let taken = 0;
    for (const c of stuck) {
      if (await this.enqueue(String(c._id), c.revision)) taken++;
      else break; // Redis still away: try again next round
    }
    return taken;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
