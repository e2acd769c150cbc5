import { z } from 'zod';
import type { KeyedJobDefinition } from '../../infra/job-definition';
import type { AppConfig } from '../../../config/env';
import type { JobQueues } from '../../infra/job-queues';
import type { Logger } from '../../infra/logger';
import type { RedisConnections } from '../../infra/redis';
import type { WriteRateLimit } from '../comments/write-rate-limit';
import { moderationJob } from '../moderation/moderation.job';
import { runErasure } from './erasure.runner';

export const erasurePayload = z.object({ requestId: z.string().regex(/^[a-f0-9]{24}$/) }).strict();
export type ErasurePayload = z.infer<typeof erasurePayload>;

interface ErasureJobDeps {
  config: Pick<AppConfig, 'ERASURE_PACE'>;
  redis: RedisConnections;
  rateLimit: WriteRateLimit;
  jobQueues: JobQueues;
  logger: Logger;
}

/**
 * Erases one subject's data on one site (see erasure.runner.ts). Delayed by the site's
 * grace period when scheduled; one at a time per worker process, so moderation never
 * waits for it.
 */
export const erasureJob: KeyedJobDefinition<ErasurePayload, ErasureJobDeps, { siteId: string; subjectRef: string }> = {
  name: 'erasure',
  payload: erasurePayload,
  /** One erasure job per subject and site: the id is derived from the pseudonymous reference. */
  jobId: ({ siteId, subjectRef }) => `erase:${siteId}:${subjectRef}`,
  attempts: 20,
  attemptMs: 30 * 60_000,
  addWithinMs: 3000,
  concurrency: () => 1,
  handle: ({ requestId }, { config, redis, rateLimit, jobQueues, logger }) =>
    runErasure(requestId, {
      redis,
      rateLimit,
      moderationQueue: jobQueues.of(moderationJob),
      logger,
      pace: config.ERASURE_PACE,
    }),
};
