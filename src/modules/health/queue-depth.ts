import type { JobQueues } from '../../infra/job-queues';
import type { Metrics } from '../../infra/metrics';
import type { RedisConnections } from '../../infra/redis';

/** Sets the queue-depth gauges of every queue from Redis (skipped while Redis is down). */
export function queueDepthRefresher(redis: RedisConnections, metrics: Metrics, queues: JobQueues): () => Promise<void> {
  return async () => {
    if (!(await redis.ping())) return;
    for (const queue of queues.all()) {
      const counts = await queue.counts();
      for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ queue: queue.name, state }, n);
    }
  };
}
