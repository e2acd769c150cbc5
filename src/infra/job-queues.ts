import type { RedisConnections } from './redis';
import { JobPayload, QueueSpec, TypedQueue } from './queue';

/** One queue per job definition, opened once per process (the API adds jobs, workers also take them). */
export class JobQueues {
  private readonly queues = new Map<string, TypedQueue<JobPayload>>();

  constructor(
    jobs: ReadonlyArray<QueueSpec<JobPayload> & { lockMs?: number }>,
    redis: RedisConnections,
    prefix: string,
    lockMs: number,
  ) {
    for (const job of jobs) this.queues.set(job.name, new TypedQueue(job, redis, prefix, job.lockMs ?? lockMs));
  }

  /** The queue of one job, typed by its definition. */
  of<T extends JobPayload>(job: QueueSpec<T>): TypedQueue<T> {
    const queue = this.queues.get(job.name);
    if (!queue) throw new Error(`no queue for the job "${job.name}": is it listed in src/jobs.ts?`);
    return queue as unknown as TypedQueue<T>;
  }

  all(): TypedQueue<JobPayload>[] {
    return [...this.queues.values()];
  }

  /** Closes every queue in turn (each lets its in-flight jobs finish); one failing does not keep the others open. */
  async close(): Promise<void> {
    for (const queue of this.queues.values()) await queue.close().catch(() => undefined);
  }
}
