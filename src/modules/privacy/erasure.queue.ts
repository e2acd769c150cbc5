import { z } from 'zod';
import { TypedQueue } from '../../infra/queue';
import type { RedisConnections } from '../../infra/redis';

export const erasurePayload = z.object({ requestId: z.string().regex(/^[a-f0-9]{24}$/) }).strict();
export type ErasurePayload = z.infer<typeof erasurePayload>;

/** One erasure job per subject and site: the id is derived from the pseudonymous reference. */
export function erasureJobId(siteId: string, subjectRef: string): string {
  return `erase:${siteId}:${subjectRef}`;
}

/** The erasure queue: delayed by the site's grace period, cancellable while it waits. */
export class ErasureQueue {
  readonly queue: TypedQueue<ErasurePayload>;

  constructor(redis: RedisConnections, prefix: string, lockMs?: number) {
    this.queue = new TypedQueue('erasure', erasurePayload, redis, prefix, lockMs);
  }

  /** Schedules the erasure; a finished job left under the same id is cleared first. */
  async schedule(siteId: string, subjectRef: string, requestId: string, delayMs: number): Promise<void> {
    const jobId = erasureJobId(siteId, subjectRef);
    const existing = await this.queue.bull.getJob(jobId);
    if (existing && ((await existing.isCompleted()) || (await existing.isFailed()))) await existing.remove();
    await this.queue.add(jobId, { requestId }, 3000, { delay: Math.max(0, delayMs), timeout: 30 * 60_000, attempts: 20 });
  }

  /** Removes a waiting or delayed erasure job; false when it is already running or gone. */
  async cancel(siteId: string, subjectRef: string): Promise<boolean> {
    const job = await this.queue.bull.getJob(erasureJobId(siteId, subjectRef));
    if (!job) return true;
    if (await job.isActive()) return false;
    await job.remove();
    return true;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
