import type { Services } from './container';
import type { JobDefinition } from './infra/job-definition';
import type { JobPayload } from './infra/queue';
import { moderationJob } from './modules/moderation/moderation.job';
import { commenterMailJob } from './modules/notifications/commenter-mail.job';
import { moderatorMailJob } from './modules/notifications/moderator-mail.job';
import { erasureDeadlinesJob } from './modules/privacy/erasure-deadlines.job';
import { erasureJob } from './modules/privacy/erasure.job';
import { retentionJob } from './modules/retention/retention.job';

/**
 * Every kind of job there is. Each process opens a queue for each (container.ts), the
 * workers run them all alike (worker-process.ts), /metrics shows each. A new job is its
 * `*.job.ts` and one line here.
 */
export const JOBS: ReadonlyArray<JobDefinition<JobPayload, Services>> = [
  moderationJob,
  erasureJob,
  retentionJob,
  erasureDeadlinesJob,
  moderatorMailJob,
  commenterMailJob,
];
