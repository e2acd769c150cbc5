import http from 'node:http';
import v8 from 'node:v8';
import type { AppConfig } from '../config/env';
import { closeServices, createServices, Services } from './container';
import { createApp, createRequestListener } from './app';
import type { Logger } from './infra/logger';
import { connectMongo, disconnectMongo, ensureIndexes } from './infra/mongo';
import { RedisConnections } from './infra/redis';
import { serveMetrics } from './modules/health/metrics-server';
import { queueDepthRefresher } from './modules/health/queue-depth';
import { loadSeedFile } from './modules/sites/site.seed';

export interface RunningApi {
  server: http.Server;
  services: Services;
  port: number;
  /** Stops accepting, finishes in-flight requests, then closes queues, Redis and MongoDB. */
  close(): Promise<void>;
}

/** Connects, builds indexes, seeds sites, and listens. */
export async function startApi(
  config: AppConfig,
  logger: Logger,
  urls: { mongoUri: string; redisUrl: string },
): Promise<RunningApi> {
  await connectMongo(urls.mongoUri);
  await ensureIndexes();
  const redis = new RedisConnections(urls.redisUrl);
  const services = createServices(config, logger, redis);
  if (config.SITES_SEED_FILE) {
    const created = await services.sites.seed(loadSeedFile(config.SITES_SEED_FILE));
    if (created.length) logger.info({ sites: created }, 'sites seeded');
  }
  const handle = createRequestListener(createApp(services), services);
  const metricsServer =
    config.METRICS_PORT === undefined
      ? undefined
      : serveMetrics({
          port: config.METRICS_PORT,
          host: config.HOST,
          token: config.METRICS_TOKEN,
          metrics: services.metrics,
          refresh: queueDepthRefresher(services.redis, services.metrics, services.jobQueues),
        });
  let draining = false;
  // While shutting down, every answer tells keep-alive clients to go, so they do not hold
  // the process open with new requests on old connections.
  const server = http.createServer((req, res) => {
    if (draining) res.setHeader('Connection', 'close');
    handle(req, res);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  warnIfHeapIsTight(config, logger);
  logger.info({ port, heapLimitMb: heapLimitMb() }, 'API listening');
  return {
    server,
    services,
    port,
    close: async () => {
      draining = true;
      metricsServer?.close();
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      clearTimeout(force);
      await closeServices(services);
      await disconnectMongo();
    },
  };
}

/** V8's heap limit: the old generation's cap (API_HEAP_MB, config/node-flags.ts) plus the young generation. */
function heapLimitMb(): number {
  return Math.round(v8.getHeapStatistics().heap_size_limit / (1024 * 1024));
}

/** What the API holds on its heap besides the page cache, with room for a burst (measured: 35 MB live). */
const HEAP_BESIDES_PAGES_MB = 96;

/** Warns when the heap cap would leave a full page cache too little room: V8 would then stop the process. */
function warnIfHeapIsTight(config: AppConfig, logger: Logger): void {
  const limit = heapLimitMb();
  if (limit >= config.PAGE_CACHE_MB + HEAP_BESIDES_PAGES_MB) return;
  logger.warn(
    { heapLimitMb: limit, pageCacheMb: config.PAGE_CACHE_MB },
    'the heap cap leaves the page cache too little room: raise API_HEAP_MB or lower PAGE_CACHE_MB',
  );
}
