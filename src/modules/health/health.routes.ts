import { Router } from 'express';
import { pingMongo } from '../../infra/mongo';
import type { Metrics } from '../../infra/metrics';
import type { RedisConnections } from '../../infra/redis';
import type { ModerationQueue } from '../moderation/moderation.queue';

/** Liveness, readiness (MongoDB and Redis reachable) and Prometheus metrics. */
export function healthRoutes(redis: RedisConnections, metrics: Metrics, moderation: ModerationQueue): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const [mongodb, redisUp] = await Promise.all([pingMongo(), redis.ping()]);
    const ready = mongodb && redisUp;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: { mongodb, redis: redisUp } });
  });

  router.get('/metrics', async (_req, res) => {
    if (await redis.ping()) {
      const counts = await moderation.queue.bull.getJobCounts();
      for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ queue: 'moderation', state }, n);
    }
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  return router;
}
