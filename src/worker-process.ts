import type { AppConfig } from '../config/env';
import { closeServices, createServices, Services } from './container';
import { runJobs } from './infra/job-runner';
import type { Logger } from './infra/logger';
import type { Metrics } from './infra/metrics';
import { connectMongo, disconnectMongo, ensureIndexes } from './infra/mongo';
import { RedisConnections } from './infra/redis';
import { JOBS } from './jobs';
import { EventDispatcher } from './modules/events/event-dispatcher';
import { EVENT_CONSUMERS } from './modules/events/event-consumers';
import { listenForEventHints } from './modules/events/event-hints';
import { delivererOptions, WebhookDeliverer } from './modules/webhooks/webhook-deliverer';

/** How often the outbox sweeper looks for comments whose job never reached Redis. */
const SWEEP_EVERY_MS = 10_000;

export interface RunningWorkers {
  services: Services;
  /** Hands the feed's ready events to webhooks and mail. */
  dispatcher: EventDispatcher;
  /** Sends webhook deliveries. */
  deliverer: WebhookDeliverer;
  /** Stops taking jobs, lets in-flight ones finish, closes connections. */
  close(): Promise<void>;
}

/** Starts the job processors of this process: every job of src/jobs.ts, and the outbox sweeper. No HTTP here. */
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
  const services = createServices(config, logger, new RedisConnections(urls.redisUrl), options.metrics, 'worker');
  await runJobs(JOBS, services.jobQueues, services, { config, logger, metrics: services.metrics });

  // One sweep at a time: on a slow database a sweep can outlast the interval, and
  // shutdown waits for the one in progress before closing the connections it uses.
  let sweeping: Promise<void> | undefined;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = Promise.all([services.moderation.sweep(), services.erasure.sweep()])
      .then(
        ([comments, erasures]) => {
          if (comments + erasures > 0) logger.info({ comments, erasures }, 'sweeper enqueued work');
        },
        (err: Error) => logger.warn({ errName: err.name }, 'sweep failed'),
      )
      .finally(() => {
        sweeping = undefined;
      });
  }, options.sweepEveryMs ?? SWEEP_EVERY_MS);
  sweeper.unref();

  // The event feed: ready events go to webhooks and mail, woken by any process's hint.
  const dispatcher = new EventDispatcher(EVENT_CONSUMERS, services, logger, config.EVENT_POLL_MS);
  listenForEventHints(services.redis, config.QUEUE_PREFIX, () => dispatcher.wake());
  dispatcher.start();
  // Webhook deliveries: woken by the dispatcher's fan-out, polling for retries and other workers' deliveries.
  const deliverer = new WebhookDeliverer(services, logger.child({ part: 'webhooks' }), delivererOptions(config));
  deliverer.start();

  logger.info({ concurrency: config.WORKER_CONCURRENCY, mail: config.SMTP_URL ? 'on' : 'off' }, 'workers started');
  if (!config.SMTP_URL) logger.warn('mail is off: SMTP_URL is not set, so privacy contacts and moderators get no mail');
  return {
    services,
    dispatcher,
    deliverer,
    close: async () => {
      clearInterval(sweeper);
      await sweeping;
      await dispatcher.stop();
      await deliverer.stop();
      await closeServices(services); // bull's close waits for active jobs
      if (ownsMongo) await disconnectMongo();
    },
  };
}
