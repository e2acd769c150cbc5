import http from 'node:http';
import { loadConfig } from '../config/env';
import type { Metrics } from '../src/infra/metrics';
import { createLogger } from '../src/infra/logger';
import { onShutdown } from '../src/process-signals';
import { startWorkers } from './run-workers';

/** Process entry of the job workers (npm run start:worker); run as many as needed. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, { role: 'worker' });
  if (!config.MONGODB_URI || !config.REDIS_URL) {
    logger.fatal('MONGODB_URI and REDIS_URL are required for start:worker; use `npm start` for embedded development servers');
    process.exit(1);
  }
  const workers = await startWorkers(config, logger, { mongoUri: config.MONGODB_URI, redisUrl: config.REDIS_URL });
  const metricsServer = config.WORKER_METRICS_PORT === undefined ? undefined : serveMetrics(workers.services.metrics, config.WORKER_METRICS_PORT);
  onShutdown(logger, async () => {
    metricsServer?.close();
    await workers.close();
  });
}

/** Serves GET /metrics for Prometheus; the worker has no other HTTP surface. */
function serveMetrics(metrics: Metrics, port: number): http.Server {
  return http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then((text) => {
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text);
    }, () => res.writeHead(500).end());
  }).listen(port, '0.0.0.0');
}

main().catch((err: Error) => {
  process.stderr.write(`workers failed to start: ${err.name}: ${err.message}\n`);
  process.exit(1);
});
