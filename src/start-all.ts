import path from 'node:path';
import { loadConfig } from '../config/env';
import { startApi } from './api-process';
import { startEmbeddedMongo } from './dev/embedded-mongo';
import { DEMO_SEED_FILE, demoAcceptsPublicUrl, firstLookConfig } from './dev/first-look-config';
import { EmbeddedRedis } from './dev/embedded-redis';
import { createLogger } from './infra/logger';
import { onShutdown } from './process-signals';
import { startWorkers } from './worker-process';

/**
 * `npm start`: everything for a first look on one machine. Uses MONGODB_URI / REDIS_URL
 * when set, otherwise starts embedded servers (data kept under DATA_DIR), and runs the
 * API and the workers in this one process. Without NODE_ENV it runs in development mode
 * (built-in keys, loopback only) and seeds the demo site; see firstLookConfig.
 */
async function main(): Promise<void> {
  const config = loadConfig(firstLookConfig);
  const logger = createLogger(config.LOG_LEVEL, { role: 'all-in-one' });
  const mongo = config.MONGODB_URI ? undefined : await startEmbeddedMongo(path.join(config.DATA_DIR, 'ferretdb'));
  const redis = config.REDIS_URL ? undefined : await EmbeddedRedis.start();
  const urls = { mongoUri: config.MONGODB_URI ?? mongo!.uri, redisUrl: config.REDIS_URL ?? redis!.url };
  if (mongo) logger.info({ kind: mongo.kind }, 'embedded MongoDB-compatible server started');
  if (redis) logger.info({ port: redis.port }, 'embedded Redis started');

  const api = await startApi(config, logger, urls);
  if (config.SITES_SEED_FILE === DEMO_SEED_FILE) {
    await demoAcceptsPublicUrl(api.services.sites, config.PUBLIC_URL).catch((err: Error) =>
      logger.warn({ errName: err.name }, "PUBLIC_URL could not be added to the demo site's origins"),
    );
  }
  const workers = await startWorkers(config, logger, urls, { connectMongo: false, metrics: api.services.metrics });
  if (config.NODE_ENV === 'development') logger.warn(`development mode: built-in keys; listening on ${config.HOST}`);
  logger.info(
    `ready: open ${config.PUBLIC_URL}/demo (demo site "demo"; moderators at ${config.PUBLIC_URL}/moderate; API description at ${config.PUBLIC_URL}/openapi.json)`,
  );

  onShutdown(logger, async () => {
    await api.close().catch(() => undefined);
    await workers.close().catch(() => undefined);
    await mongo?.stop();
    await redis?.stop();
  });
}

main().catch((err: Error) => {
  process.stderr.write(`failed to start: ${err.name}: ${err.message}\n`);
  process.exit(1);
});
