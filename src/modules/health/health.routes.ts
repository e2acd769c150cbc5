import { Router } from 'express';
import { requireBearerKey } from '../../http/auth';
import { pingMongo } from '../../infra/mongo';
import type { Metrics } from '../../infra/metrics';
import type { RedisConnections } from '../../infra/redis';
import type { JobQueues } from '../../infra/job-queues';
import { queueDepthRefresher } from './queue-depth';

/**
 * Liveness, readiness (MongoDB and Redis reachable) and Prometheus metrics. Metrics tell
 * an outsider the service's load and queues, so on this public port they are served only
 * with METRICS_TOKEN as the bearer; without a token configured, /metrics is not here
 * (METRICS_PORT serves it on a port of its own).
 */
export interface HealthRouteDeps {
  redis: RedisConnections;
  metrics: Metrics;
  queues: JobQueues;
  /** METRICS_TOKEN: without it, /metrics is not served here. */
  metricsToken?: string;
}

export function healthRoutes({ redis, metrics, queues, metricsToken }: HealthRouteDeps): Router {
  const router = Router();
  const refresh = queueDepthRefresher(redis, metrics, queues);

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const [mongodb, redisUp] = await Promise.all([pingMongo(), redis.ping()]);
    const ready = mongodb && redisUp;
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'unavailable', checks: { mongodb, redis: redisUp } });
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
