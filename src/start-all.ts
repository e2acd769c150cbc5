import path from 'node:path';
import { loadConfig } from '../config/env';
import { startWorkers } from '../workers/run-workers';
import { startApi } from './api-process';
import { startEmbeddedMongo } from './dev/embedded-mongo';
import { EmbeddedRedis } from './dev/embedded-redis';
import { createLogger } from './infra/logger';
import { onShutdown } from './process-signals';

/**
 * `npm start`: everything for a first look on one machine. Uses MONGODB_URI / REDIS_URL
 * when set, otherwise starts embedded servers (data kept under DATA_DIR), seeds the demo
 * site, and runs the API and the workers in this one process.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, { role: 'all-in-one' });
  const mongo = config.MONGODB_URI ? undefined : await startEmbeddedMongo(path.join(config.DATA_DIR, 'ferretdb'));
  const redis = config.REDIS_URL ? undefined : await EmbeddedRedis.start();
  const urls = { mongoUri: config.MONGODB_URI ?? mongo!.uri, redisUrl: config.REDIS_URL ?? redis!.url };
  if (mongo) logger.info({ kind: mongo.kind }, 'embedded MongoDB-compatible server started');
  if (redis) logger.info({ port: redis.port }, 'embedded Redis started');

  const seeded = { ...config, SITES_SEED_FILE: config.SITES_SEED_FILE ?? path.resolve(__dirname, '../../config/demo-sites.json') };
  const api = await startApi(seeded, logger, urls);
  const workers = await startWorkers(seeded, logger, urls, { connectMongo: false, metrics: api.services.metrics });
  logger.info(`ready: open ${config.PUBLIC_URL}/demo (demo site "demo"; moderators at ${config.PUBLIC_URL}/moderate; API description at ${config.PUBLIC_URL}/openapi.json)`);

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
