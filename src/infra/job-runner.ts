import type { AppConfig } from '../../config/env';
import type { JobDefinition } from './job-definition';
import type { JobQueues } from './job-queues';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { JobPayload } from './queue';

export interface RunnerContext {
  config: AppConfig;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Starts processing every job in the list on its queue, all in the same way: outcomes
 * counted in jobs_processed_total, failed attempts counted in jobs_failed_total and
 * logged (error name only, never its message), schedules declared for repeatable jobs.
 */
export async function runJobs<Deps>(
  jobs: ReadonlyArray<JobDefinition<JobPayload, Deps>>,
  queues: JobQueues,
  deps: Deps,
  context: RunnerContext,
): Promise<void> {
  for (const job of jobs) await runJob(job, queues, deps, context);
}

async function runJob<Deps>(
  job: JobDefinition<JobPayload, Deps>,
  queues: JobQueues,
  deps: Deps,
  { config, logger, metrics }: RunnerContext,
): Promise<void> {
  const queue = queues.of(job);
  // The series exists from the start, so a queue that never failed shows 0 rather than nothing.
  metrics.jobsFailed.inc({ queue: job.name }, 0);
  queue.onFailed(({ jobId, attempt, errName }) => {
    metrics.jobsFailed.inc({ queue: job.name });
    logger.warn({ queue: job.name, jobId, attempt, errName }, 'job failed; will retry');
  });
  queue.process(job.concurrency(config), logger, async (payload, log) => {
    const outcome = await job.handle(payload, deps, log);
    metrics.jobsProcessed.inc({ queue: job.name, outcome });
    return outcome;
  });
  if (job.repeat) await queue.repeat(job.repeat.payload, job.repeat.every(config));
}
