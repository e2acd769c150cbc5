import { z } from 'zod';
import type { AppConfig } from '../../../config/env';
import type { JobDefinition } from '../../infra/job-definition';
import type { JobQueues } from '../../infra/job-queues';
import type { Logger } from '../../infra/logger';
import { runRetention } from './retention.runner';

/** The retention job carries no data at all: it works over every site. */
export const retentionPayload = z.object({ run: z.literal('retention') }).strict();
export type RetentionPayload = z.infer<typeof retentionPayload>;

interface RetentionJobDeps {
  config: Pick<AppConfig, 'WEBHOOK_RETENTION_DAYS'>;
  jobQueues: JobQueues;
  logger: Logger;
}

/** Applies every site's retention settings, and clears old job records of every queue. */
export const retentionJob: JobDefinition<RetentionPayload, RetentionJobDeps> = {
  name: 'retention',
  payload: retentionPayload,
  concurrency: () => 1,
  repeat: { every: (config) => config.RETENTION_EVERY_MS, payload: { run: 'retention' } },
  // bull's default lock, whatever JOB_LOCK_MS says: that setting tunes how soon moderation
  // and erasure recover from a dead worker, and a retention run can wait.
  lockMs: 30_000,
  handle: async (_payload, { config, jobQueues, logger }) => {
    await runRetention(jobQueues.all(), logger, new Date(), { webhookRetentionDays: config.WEBHOOK_RETENTION_DAYS });
    return 'completed';
  },
};
