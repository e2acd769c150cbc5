import type { AppConfig } from '../config/env';
import { closeServices, createServices, Services } from '../src/container';
import type { Logger } from '../src/infra/logger';
import { connectMongo, disconnectMongo, ensureIndexes } from '../src/infra/mongo';
import { RedisConnections } from '../src/infra/redis';
import type { Metrics } from '../src/infra/metrics';
import { processModeration } from '../src/modules/moderation/moderation.processor';

/** How often the outbox sweeper looks for comments whose job never reached Redis. */
const SWEEP_EVERY_MS = 10_000;

export interface RunningWorkers {
  services: Services;
  /** Stops taking jobs, lets in-flight ones finish, closes connections. */
  close(): Promise<void>;
}

/** Starts the job processors of this process. No HTTP here. */
export async function startWorkers(
  config: AppConfig,
  logger: Logger,
  urls: { mongoUri: string; redisUrl: string },
  options: { connectMongo?: boolean; sweepEveryMs?: number; metrics?: Metrics } = {},
): Promise<RunningWorkers> {
  const ownsMongo = options.connectMongo !== false;
  if (ownsMongo) {
    await connectMongo(urls.mongoUri);
    await ensureIndexes();
  }
  const services = createServices(config, logger, new RedisConnections(urls.redisUrl), options.metrics);
  const { moderation, sites, decisions, metrics } = services;
  const observeDecision = (seconds: number, outcome: string) => metrics.decisionSeconds.observe({ outcome }, seconds);

  moderation.queue.process(config.WORKER_CONCURRENCY, logger, async (job, log) => {
    const result = await processModeration(job, { sites, decisions, observeDecision }, log);
    metrics.jobsProcessed.inc({ queue: 'moderation', outcome: result });
    return result;
  });
  moderation.queue.bull.on('failed', (job, err) => {
    metrics.jobsFailed.inc({ queue: 'moderation' });
    logger.warn({ queue: 'moderation', jobId: job.id, attempt: job.attemptsMade, errName: err.name }, 'job failed; will retry');
  });

  const sweeper = setInterval(() => {
    moderation.sweep().then(
      (n) => { if (n > 0) logger.info({ enqueued: n }, 'outbox sweeper enqueued comments'); },
      (err: Error) => logger.warn({ errName: err.name }, 'outbox sweep failed'),
    );
  }, options.sweepEveryMs ?? SWEEP_EVERY_MS);
  sweeper.unref();

  logger.info({ concurrency: config.WORKER_CONCURRENCY }, 'workers started');
  return {
    services,
    close: async () => {
      clearInterval(sweeper);
      await closeServices(services); // bull's close waits for active jobs
      if (ownsMongo) await disconnectMongo();
    },
  };
}
