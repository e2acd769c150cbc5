import type { AppConfig } from '../config/env';
import { closeServices, createServices, Services } from '../src/container';
import type { Logger } from '../src/infra/logger';
import { connectMongo, disconnectMongo, ensureIndexes } from '../src/infra/mongo';
import { RedisConnections } from '../src/infra/redis';
import type { Metrics } from '../src/infra/metrics';
import { processModeration } from '../src/modules/moderation/moderation.processor';
import { TypedQueue } from '../src/infra/queue';
import { runErasure } from '../src/modules/privacy/erasure.runner';
import { retentionPayload } from '../src/modules/retention/retention.queue';
import { runRetention } from '../src/modules/retention/retention.runner';

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

  // Erasure runs on its own queue, one at a time per process, so moderation never waits for it.
  const erasureDeps = { redis: services.redis, rateLimit: services.rateLimit, moderationQueue: moderation.queue, logger };
  services.erasureQueue.queue.process(1, logger, async (job) => runErasure(job.requestId, erasureDeps));

  const retention = new TypedQueue('retention', retentionPayload, services.redis, config.QUEUE_PREFIX);
  retention.process(1, logger, async () => runRetention([moderation.queue.bull, services.erasureQueue.queue.bull, retention.bull], logger));
  // A repeatable job: every worker declares it, Redis keeps one schedule.
  await retention.bull.add({ run: 'retention' }, { repeat: { every: config.RETENTION_EVERY_MS }, removeOnComplete: true });

  // One sweep at a time: on a slow database a sweep can outlast the interval, and
  // shutdown waits for the one in progress before closing the connections it uses.
  let sweeping: Promise<void> | undefined;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = Promise.all([moderation.sweep(), services.erasure.sweep()]).then(
      ([comments, erasures]) => { if (comments + erasures > 0) logger.info({ comments, erasures }, 'sweeper enqueued work'); },
      (err: Error) => logger.warn({ errName: err.name }, 'sweep failed'),
    ).finally(() => { sweeping = undefined; });
  }, options.sweepEveryMs ?? SWEEP_EVERY_MS);
  sweeper.unref();

  logger.info({ concurrency: config.WORKER_CONCURRENCY }, 'workers started');
  return {
    services,
    close: async () => {
      clearInterval(sweeper);
      await sweeping;
      await retention.close().catch(() => undefined);
      await closeServices(services); // bull's close waits for active jobs
      if (ownsMongo) await disconnectMongo();
    },
  };
}
