import type { AppConfig } from '../../config/env';
import type { Logger } from './logger';
import type { JobPayload, QueueSpec } from './queue';

/**
 * One kind of job, declared once in its feature's `*.job.ts` and listed in src/jobs.ts:
 * its queue (name, payload schema, retry policy), how many run at once, an optional
 * schedule, and the handler. The worker registers every definition the same way (see
 * job-runner.ts), so every queue gets the same failure logging and metrics.
 */
export interface JobDefinition<T extends JobPayload, Deps> extends QueueSpec<T> {
  /** Jobs of this kind one worker process runs at once. */
  readonly concurrency: (config: AppConfig) => number;
  /** For a repeatable job: how often, with what payload (Redis keeps one schedule). */
  readonly repeat?: { every: (config: AppConfig) => number; payload: T };
  /** The lock on a running job; JOB_LOCK_MS unless set here. */
  readonly lockMs?: number;
  /**
   * Does one job; returns its outcome, counted in jobs_processed_total (a small fixed set
   * of words, never an id). Written as a method so that a list of jobs with different
   * payloads and dependencies can be typed as one array.
   */
  handle(payload: T, deps: Deps, log: Logger): Promise<string>;
}

/** A job added on demand under an id derived from what it is about: adding the same work twice yields one job. */
export interface KeyedJobDefinition<T extends JobPayload, Deps, Key> extends JobDefinition<T, Deps> {
  jobId(key: Key): string;
}
