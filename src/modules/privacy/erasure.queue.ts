import type { TypedQueue } from '../../infra/queue';
import { erasureJob, ErasurePayload } from './erasure.job';

/** The erasure queue: delayed by the site's grace period, cancellable while it waits. */
export class ErasureQueue {
  constructor(private readonly queue: TypedQueue<ErasurePayload>) {}

  /** Schedules the erasure; a finished job left under the same id is cleared first. */
  async schedule(siteId: string, subjectRef: string, requestId: string, delayMs: number): Promise<void> {
    const jobId = erasureJob.jobId({ siteId, subjectRef });
    if (isFinished(await this.queue.state(jobId))) await this.queue.removeUnlessActive(jobId);
    await this.queue.add(jobId, { requestId }, { delayMs: Math.max(0, delayMs) });
  }

  /** Removes a waiting or delayed erasure job; false when it is already running or gone. */
  async cancel(siteId: string, subjectRef: string): Promise<boolean> {
    return (await this.queue.removeUnlessActive(erasureJob.jobId({ siteId, subjectRef }))) !== 'active';
  }

  /** True while a job for this subject waits, is delayed or runs (one that finished does not count). */
  async hasOpenJob(siteId: string, subjectRef: string): Promise<boolean> {
    const state = await this.queue.state(erasureJob.jobId({ siteId, subjectRef }));
    return state !== undefined && !isFinished(state);
  }

  /** How many attempts of the subject's erasure job have failed so far; it retries with backoff. */
  async failedAttempts(siteId: string, subjectRef: string): Promise<number> {
    return this.queue.failedAttempts(erasureJob.jobId({ siteId, subjectRef }));
  }
}

const isFinished = (state: string | undefined) => state === 'completed' || state === 'failed';
