import { Router } from 'express';
import { requireBearerKey } from '../../http/auth';
import { pingMongo } from '../../infra/mongo';
import type { Metrics } from '../../infra/metrics';
import type { RedisConnections } from '../../infra/redis';
import type { ModerationQueue } from '../moderation/moderation.queue';

/** Sets the queue-depth gauges from Redis (skipped while Redis is down). */
export function queueDepthRefresher(redis: RedisConnections, metrics: Metrics, moderation: ModerationQueue): () => Promise<void> {
  return async () => {
    if (!(await redis.ping())) return;
    const counts = await moderation.queue.bull.getJobCounts();
    for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ queue: 'moderation', state }, n);
  };
}

/**
 * Liveness, readiness (MongoDB and Redis reachable) and Prometheus metrics. Metrics tell
 * an outsider the service's load and queues, so on this public port they are served only
 * with METRICS_TOKEN as the bearer; without a token configured, /metrics is not here
 * (METRICS_PORT serves it on a port of its own).
 */
export interface HealthRouteDeps {
  redis: RedisConnections;
  metrics: Metrics;
  moderation: ModerationQueue;
  /** METRICS_TOKEN: without it, /metrics is not served here. */
  metricsToken?: string;
}

export function healthRoutes({ redis, metrics, moderation, metricsToken }: HealthRouteDeps): Router {
  const router = Router();
  const refresh = queueDepthRefresher(redis, metrics, moderation);

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const [mongodb, redisUp] = await Promise.all([pingMongo(), redis.ping()]);
    const ready = mongodb && redisUp;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: { mongodb, redis: redisUp } });
  });

  if (metricsToken) {
    router.get('/metrics', requireBearerKey(metricsToken), async (_req, res) => {
      await refresh();
      res.setHeader('Content-Type', metrics.registry.contentType);
      res.send(await metrics.registry.metrics());
    });
  }

  return router;
}
