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

/**
 * What bull writes to Redis for a failed attempt is the error's message (failedReason)
 * and its stack (stacktrace). Messages can quote stored values (a duplicate-key error
 * names the value) and stacks have no business there, so a processor's error reaches
 * bull as its name and code only (`MongoServerError:11000`), with no stack.
 */
export function redactedJobError(err: unknown): Error {
  const { name, code } = (err ?? {}) as { name?: unknown; code?: unknown };
  const safeName = typeof name === 'string' && /^[A-Za-z][\w$]{0,63}$/.test(name) ? name : 'Error';
  const safeCode = (typeof code === 'string' || typeof code === 'number') && /^[\w.-]{1,64}$/.test(String(code)) ? String(code) : undefined;
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

/**
 * A typed bull queue. Payloads are validated on both sides and carry ids only, never
 * personal data: the processor reads everything else from MongoDB.
 */
export class TypedQueue<T extends Record<string, string | number>> {
  readonly bull: Queue<T>;
  /** The blocking connections bull asked for; see close(). */
  private readonly blocking: Redis[] = [];

  constructor(
    readonly name: string,
    private readonly payload: z.ZodType<T>,
    redis: RedisConnections,
    prefix: string,
    lockMs = 30_000,
  ) {
    this.bull = new Bull<T>(name, {
      prefix,
      createClient: (type) => {
        const connection = redis.forBull(type);
        if (type === 'bclient') this.blocking.push(connection);
        return connection;
      },
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
      // A job whose worker died is found by the stalled check once its lock expires.
      settings: { lockDuration: lockMs, lockRenewTime: lockMs / 2, stalledInterval: Math.min(5000, lockMs), maxStalledCount: 3 },
    });
    // Connection errors are reported through /readyz and the callers' timeouts.
    this.bull.on('error', () => undefined);
  }

  /**
   * Adds a job under a deterministic id, so adding the same work twice yields one job.
   * Rejects when Redis does not take it within timeoutMs (callers keep an outbox flag).
   */
  async add(jobId: string, data: T, timeoutMs = 1500, options: JobOptions = {}): Promise<void> {
    const valid = this.payload.parse(data);
    const { timeout = DEFAULT_ATTEMPT_MS, ...rest } = options;
    await withTimeout(this.bull.add(valid, { ...rest, jobId, [ATTEMPT_MS_OPTION]: timeout } as JobOptions), timeoutMs);
  }

  /**
   * Starts processing with the given concurrency; each job gets a child logger. A failed
   * attempt reaches bull (and Redis) as redactedJobError.
   */
  process(concurrency: number, logger: Logger, handler: (data: T, log: Logger) => Promise<unknown>): void {
    void this.bull.process(concurrency, async (job: Job<T>) => {
      const log = logger.child({ queue: this.name, jobId: job.id, attempt: job.attemptsMade + 1 });
      try {
        const data = this.payload.parse(job.data);
        const ms = (job.opts as Record<string, unknown>)[ATTEMPT_MS_OPTION];
        return await within(handler(data, log), typeof ms === 'number' && ms > 0 ? ms : DEFAULT_ATTEMPT_MS);
      } catch (err) {
        throw redactedJobError(err);
      }
    });
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
  await withTimeout(Promise.race([once(connection, 'ready', { signal: ac.signal }), once(connection, 'end', { signal: ac.signal })]), ms)
    .catch(() => undefined)
    .finally(() => ac.abort());
}
