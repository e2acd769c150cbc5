import type { Logger } from './infra/logger';

/**
 * Runs close() once on SIGTERM or SIGINT, then exits. A second signal, or a close that
 * takes longer than the grace period, exits at once.
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, graceMs = 25_000): void {
  let closing = false;
  const handler = (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    close()
      .then(() => process.exit(0))
      .catch((err: Error) => {
        logger.error({ errName: err.name }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}
