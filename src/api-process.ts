import http from 'node:http';
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
  logger.info({ port }, 'API listening');
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
