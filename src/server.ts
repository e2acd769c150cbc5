import { loadConfig } from '../config/env';
import { startApi } from './api-process';
import { createLogger } from './infra/logger';
import { onShutdown } from './process-signals';

/** Process entry of the HTTP API (npm run start:api). */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, { role: 'api' });
  if (!config.MONGODB_URI || !config.REDIS_URL) {
    logger.fatal(
      'MONGODB_URI and REDIS_URL are required for start:api; use `npm start` for embedded development servers',
    );
    process.exit(1);
  }
  const api = await startApi(config, logger, { mongoUri: config.MONGODB_URI, redisUrl: config.REDIS_URL });
  onShutdown(logger, api.close);
}

main().catch((err: Error) => {
  process.stderr.write(`API failed to start: ${err.name}: ${err.message}\n`);
  process.exit(1);
});
