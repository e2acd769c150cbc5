import { loadConfig } from '../config/env';
import { createLogger } from '../src/infra/logger';
import { serveMetrics } from '../src/modules/health/metrics-server';
import { queueDepthRefresher } from '../src/modules/health/queue-depth';
import { onShutdown } from '../src/process-signals';
import { startWorkers } from '../src/worker-process';

/** Process entry of the job workers (npm run start:worker); run as many as needed. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, { role: 'worker' });
  if (!config.MONGODB_URI || !config.REDIS_URL) {
    logger.fatal(
      'MONGODB_URI and REDIS_URL are required for start:worker; use `npm start` for embedded development servers',
    );
    process.exit(1);
  }
  const workers = await startWorkers(config, logger, { mongoUri: config.MONGODB_URI, redisUrl: config.REDIS_URL });
  const { services } = workers;
  const metricsServer =
    config.WORKER_METRICS_PORT === undefined
      ? undefined
      : serveMetrics({
          port: config.WORKER_METRICS_PORT,
          host: config.HOST,
          token: config.METRICS_TOKEN,
          metrics: services.metrics,
          refresh: queueDepthRefresher(services.redis, services.metrics, services.jobQueues),
        });
  onShutdown(logger, async () => {
    metricsServer?.close();
    await workers.close();
  });
}

main().catch((err: Error) => {
  process.stderr.write(`workers failed to start: ${err.name}: ${err.message}\n`);
  process.exit(1);
});
