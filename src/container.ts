import type { AppConfig } from '../config/env';
import type { Logger } from './infra/logger';
import { Metrics } from './infra/metrics';
import type { RedisConnections } from './infra/redis';
import { CommenterService } from './modules/commenters/commenter.service';
import { CommentService } from './modules/comments/comment.service';
import { WriteRateLimit } from './modules/comments/write-rate-limit';
import { ModerationQueue } from './modules/moderation/moderation.queue';
import { SiteService } from './modules/sites/site.service';
import { ThreadService } from './modules/threads/thread.service';

/** Everything the API and the workers share, wired once per process. */
export interface Services {
  config: AppConfig;
  logger: Logger;
  redis: RedisConnections;
  metrics: Metrics;
  sites: SiteService;
  threads: ThreadService;
  commenters: CommenterService;
  comments: CommentService;
  moderation: ModerationQueue;
  rateLimit: WriteRateLimit;
}

export function createServices(config: AppConfig, logger: Logger, redis: RedisConnections): Services {
  const sites = new SiteService();
  const threads = new ThreadService();
  const commenters = new CommenterService();
  const moderation = new ModerationQueue(redis, config.QUEUE_PREFIX, logger);
  const rateLimit = new WriteRateLimit(redis, config.QUEUE_PREFIX, config.IP_HASH_SECRET, logger);
  const comments = new CommentService({ threads, commenters, moderation, rateLimit, ipHashSecret: config.IP_HASH_SECRET });
  return { config, logger, redis, metrics: new Metrics(), sites, threads, commenters, comments, moderation, rateLimit };
}

/** Closes the queues and connections this process opened, in order. */
export async function closeServices(services: Services): Promise<void> {
  await services.moderation.close().catch(() => undefined);
  await services.redis.close();
}
