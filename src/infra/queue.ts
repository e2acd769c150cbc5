import { once } from 'node:events';
import Bull, { Job, JobOptions, Queue } from 'bull';
import type Redis from 'ioredis';
import { z } from 'zod';
import { RedisConnections, withTimeout } from './redis';
import type { Logger } from './logger';

/** Retry policy shared by every job: exponential backoff, nothing kept once done. */
const DEFAULT_JOB_OPTIONS: JobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: 1000,
};
/**
 * How long one attempt may run. Enforced here rather than by bull's own `timeout`, whose
 * error (message and stack) bull would store with the job; kept in the job's options
 * under this name.
 */
const DEFAULT_ATTEMPT_MS = 60_000;
const ATTEMPT_MS_OPTION = 'attemptTimeoutMs';
/** Job ids whose existence removeAllUnlessActive asks in one pipeline. */
const REMOVE_BATCH = 1000;
/** How long adding a job waits for Redis unless its spec says otherwise. */
const DEFAULT_ADD_WITHIN_MS = 1500;

/**
 * What bull writes to Redis for a failed attempt is the error's message (failedReason)
 * and its stack (stacktrace). Messages can quote stored values (a duplicate-key error
 * names the value) and stacks have no business there, so a processor's error reaches
 * bull as its name and code only (`MongoServerError:11000`), with no stack.
 */
export function redactedJobError(err: unknown): Error {
  const { name, code } = (err ?? {}) as { name?: unknown; code?: unknown };
  const safeName = typeof name === 'string' && /^[A-Za-z][\w$]{0,63}$/.test(name) ? name : 'Error';
  const safeCode =
    (typeof code === 'string' || typeof code === 'number') && /^[\w.-]{1,64}$/.test(String(code))
      ? String(code)
      : undefined;
  const redacted = new Error(safeCode === undefined ? safeName : `${safeName}:${safeCode}`);
  redacted.name = safeName;
  redacted.stack = ''; // bull stores a stack only when there is one
  return redacted;
}

/** Rejects with a TimeoutError when the attempt does not settle within ms (it is not stopped, as with bull's own). */
function within<T>(attempt: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('attempt timed out'), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([attempt, timeout]).finally(() => clearTimeout(timer));
}

/** What a queue's jobs carry: ids and small values, never personal data. */
export type JobPayload = Record<string, string | number>;

/** The states a job can be found in (bull's names). */
export type JobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'paused' | 'stuck';

/** How a queue's jobs are shaped and retried; part of every job's definition (see job-definition.ts). */
export interface QueueSpec<T extends JobPayload> {
  /** The queue's name in Redis, and its `queue` label in metrics. */
  readonly name: string;
  /** Checked when a job is added and again when it is taken. */
  readonly payload: z.ZodType<T>;
  /** Attempts before a job fails for good (default 8, exponential backoff). */
  readonly attempts?: number;
  /** How long one attempt may run (default 60 s). */
  readonly attemptMs?: number;
  /** How long adding waits for Redis before rejecting (default 1500 ms); callers fall back to their sweeper. */
  readonly addWithinMs?: number;
}

/** How many jobs a queue holds in each state. */
export type QueueCounts = Record<'waiting' | 'active' | 'delayed' | 'completed' | 'failed', number>;

/** A failed attempt as the queue reports it: ids and the redacted error's name only. */
export interface JobFailure {
  jobId: string;
  attempt: number;
  errName: string;
}

/**
 * A typed bull queue. Payloads are validated on both sides and carry ids only, never
 * personal data: the processor reads everything else from MongoDB. The bull queue stays
 * in here; callers get the few operations they need.
 */
export class TypedQueue<T extends JobPayload> {
  readonly name: string;
  private readonly bull: Queue<T>;
  /** The blocking connections bull asked for; see close(). */
  private readonly blocking: Redis[] = [];

  constructor(
    private readonly spec: QueueSpec<T>,
    redis: RedisConnections,
    prefix: string,
    lockMs = 30_000,
  ) {
    this.name = spec.name;
    this.bull = new Bull<T>(spec.name, {
      prefix,
      createClient: (type) => {
        const connection = redis.forBull(type);
        if (type === 'bclient') this.blocking.push(connection);
        return connection;
      },
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
      // A job whose worker died is found by the stalled check once its lock expires.
      settings: {
        lockDuration: lockMs,
        lockRenewTime: lockMs / 2,
        stalledInterval: Math.min(5000, lockMs),
        maxStalledCount: 3,
      },
    });
    // Connection errors are reported through /readyz and the callers' timeouts.
    this.bull.on('error', () => undefined);
  }

  /** The spec's retry policy and attempt time, as every job of this queue carries them. */
  private jobOptions(): JobOptions {
    const options: Record<string, unknown> = { [ATTEMPT_MS_OPTION]: this.spec.attemptMs ?? DEFAULT_ATTEMPT_MS };
    if (this.spec.attempts !== undefined) options.attempts = this.spec.attempts;
    return options as JobOptions;
  }

  /**
   * Adds a job under a deterministic id, so adding the same work twice yields one job.
   * Rejects when Redis does not take it within the spec's addWithinMs (callers keep an outbox flag).
   */
  async add(jobId: string, data: T, options: { delayMs?: number } = {}): Promise<void> {
    const valid = this.spec.payload.parse(data);
    const job: JobOptions = { ...this.jobOptions(), jobId };
    if (options.delayMs !== undefined) job.delay = options.delayMs;
    await withTimeout(this.bull.add(valid, job), this.spec.addWithinMs ?? DEFAULT_ADD_WITHIN_MS);
  }

  /** Declares a repeatable job: every worker declares it, Redis keeps one schedule. */
  async repeat(data: T, everyMs: number): Promise<void> {
    const valid = this.spec.payload.parse(data);
    await this.bull.add(valid, { ...this.jobOptions(), repeat: { every: everyMs }, removeOnComplete: true });
  }

  /**
   * Starts processing with the given concurrency; each job gets a child logger. A failed
   * attempt reaches bull (and Redis) as redactedJobError.
   */
  process(concurrency: number, logger: Logger, handler: (data: T, log: Logger) => Promise<unknown>): void {
    void this.bull.process(concurrency, async (job: Job<T>) => {
      const log = logger.child({ queue: this.name, jobId: job.id, attempt: job.attemptsMade + 1 });
      try {
        const data = this.spec.payload.parse(job.data);
        const ms = (job.opts as Record<string, unknown>)[ATTEMPT_MS_OPTION];
        return await within(handler(data, log), typeof ms === 'number' && ms > 0 ? ms : DEFAULT_ATTEMPT_MS);
      } catch (err) {
        throw redactedJobError(err);
      }
    });
  }

  /** Calls listener for every attempt that fails in this process (it is retried while attempts last). */
  onFailed(listener: (failure: JobFailure) => void): void {
    this.bull.on('failed', (job: Job<T>, err: Error) =>
      listener({ jobId: String(job.id), attempt: job.attemptsMade, errName: err.name }),
    );
  }

  /** The job's state, or undefined when there is no job under that id. */
  async state(jobId: string): Promise<JobState | undefined> {
    const job = await this.bull.getJob(jobId);
    return job ? job.getState() : undefined;
  }

  /** How many attempts of the job have failed so far (0 when there is no such job). */
  async failedAttempts(jobId: string): Promise<number> {
    return (await this.bull.getJob(jobId))?.attemptsMade ?? 0;
  }

  /** Removes the job unless a worker is running it. */
  async removeUnlessActive(jobId: string): Promise<'removed' | 'active' | 'absent'> {
    const job = await this.bull.getJob(jobId);
    if (!job) return 'absent';
    if (await job.isActive()) return 'active';
    await job.remove();
    return 'removed';
  }

  /**
   * Removes the jobs of these ids unless a worker is running them, like removeUnlessActive
   * for each; which of them exist is asked in pipelined batches, so ids without a job (most
   * of an erasure's: a job is removed once it completes) cost no round trip of their own.
   */
  async removeAllUnlessActive(jobIds: readonly string[]): Promise<void> {
    for (let from = 0; from < jobIds.length; from += REMOVE_BATCH) {
      const batch = jobIds.slice(from, from + REMOVE_BATCH);
      const pipeline = this.bull.client.pipeline();
      for (const jobId of batch) pipeline.exists(this.bull.toKey(jobId));
      const found = (await pipeline.exec()) ?? [];
      for (const [i, jobId] of batch.entries()) {
        const [err, exists] = found[i] ?? [null, 1];
        if (err || exists) await this.removeUnlessActive(jobId);
      }
    }
  }

  /** How many jobs are in each state (the depth gauges). */
  async counts(): Promise<QueueCounts> {
    return this.bull.getJobCounts();
  }

  /** Removes records of jobs that finished in `status` more than olderThanMs ago; returns how many. */
  async clean(olderThanMs: number, status: 'completed' | 'failed'): Promise<number> {
    return (await this.bull.clean(olderThanMs, status)).length;
  }

  /**
   * Lets in-flight jobs finish, then stops. bull names its blocking connection with a
   * command it never awaits, and on close cuts that connection if it does not quit within
   * 500 ms; cut while still opening, the naming command rejects with no one listening,
   * which would crash the process. So wait (bounded) until those connections are open.
   */
  async close(): Promise<void> {
    await settled(this.bull.client, 2000);
    await new Promise((resolve) => setImmediate(resolve)); // bull's own 'ready' callbacks run first
    await Promise.all(this.blocking.map((connection) => settled(connection, 2000)));
    await this.bull.close();
  }
}

/** Resolves once the connection is ready or ended, or after ms, whichever is first. */
async function settled(connection: Redis, ms: number): Promise<void> {
  if (connection.status === 'ready' || connection.status === 'end') return;
  const ac = new AbortController();
  await withTimeout(
    Promise.race([once(connection, 'ready', { signal: ac.signal }), once(connection, 'end', { signal: ac.signal })]),
    ms,
  )
    .catch(() => undefined)
    .finally(() => ac.abort());
}
