import type { CaseQueue } from './modules/moderation/case-queue';
import { AppealService } from './modules/appeals/appeal.service';
import { AppealQueue } from './modules/appeals/appeal-queue';
import { withAppealStatements } from './modules/appeals/appeal-statements';
import type { AppConfig } from '../config/env';
import { JobQueues } from './infra/job-queues';
import { Mailer } from './infra/mailer';
import type { Logger } from './infra/logger';
import { Metrics } from './infra/metrics';
import { countDatabaseCommands } from './infra/mongo';
import type { RedisConnections } from './infra/redis';
import { JOBS } from './jobs';
import { CommenterService } from './modules/commenters/commenter.service';
import { CommentService } from './modules/comments/comment.service';
import { PublicPageCache } from './infra/page-cache';
import { onSiteChange } from './infra/site-changes';
import { RefusalCache } from './infra/refusal-cache';
import { onRefusalChange } from './infra/refusal-changes';
import { WriteRateLimit } from './modules/comments/write-rate-limit';
import { BanService } from './modules/bans/ban.service';
import { DecisionService } from './modules/moderation/decision.service';
import { ModerationLogService } from './modules/moderation-log/moderation-log.service';
import { moderationJob } from './modules/moderation/moderation.job';
import { ModerationQueue } from './modules/moderation/moderation.queue';
import { ModerationBatches } from './modules/moderation/moderation.processor';
import { ReviewQueueService } from './modules/moderation/review-queues.service';
import { erasureJob } from './modules/privacy/erasure.job';
import { ErasureQueue } from './modules/privacy/erasure.queue';
import { ErasureService } from './modules/privacy/erasure.service';
import { ExportService } from './modules/privacy/export.service';
import { ReportService } from './modules/reports/report.service';
import { publishEventHints } from './modules/events/event-hints';
import { SiteService } from './modules/sites/site.service';
import { MailSubscriptionService } from './modules/notifications/mail-subscription.service';
import { ThreadService } from './modules/threads/thread.service';
import { createWebhookNetwork, WebhookNetwork } from './modules/webhooks/webhook-network';
import { WebhookService } from './modules/webhooks/webhook.service';
import { NoticeService } from './modules/notices/notice.service';
import { NoticeDecisions } from './modules/notices/notice-decisions';
import { NoticeQueue } from './modules/notices/notice-queue';

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
  pageCache: PublicPageCache;
  /** Stops announcing this process's writes to the page cache (on close). */
  stopPageCacheFeed: () => void;
  /** Bans, thread states and erasures under way that writes are checked against, per process. */
  refusals: RefusalCache;
  /** Stops renewing refusal tokens for this process's writes of bans, threads and erasure requests (on close). */
  stopRefusalFeed: () => void;
  /** Stops telling other processes that this one recorded events (on close). */
  stopEventHints: () => void;
  /** Stops counting this process's database commands (on close). */
  stopCountingCommands: () => void;
  /** One queue per job of src/jobs.ts. */
  jobQueues: JobQueues;
  /** The moderation jobs' queue on Redis, with its outbox. */
  moderation: ModerationQueue;
  rateLimit: WriteRateLimit;
  log: ModerationLogService;
  decisions: DecisionService;
  /** Where this process's moderation jobs are decided, in batches (workers only use it). */
  moderationBatches: ModerationBatches;
  bans: BanService;
  reports: ReportService;
  /** The moderators' review queues (pending, reported, …), read from MongoDB. */
  reviewQueues: ReviewQueueService;
  /** The queues of cases (notices, appeals) on /moderate, beside the comment queues. */
  caseQueues: CaseQueue[];
  appeals: AppealService;
  /** Notices of illegal content (DSA Art. 16): sent by anyone, read back by token. */
  notices: NoticeService;
  noticeDecisions: NoticeDecisions;
  erasureQueue: ErasureQueue;
  erasure: ErasureService;
  subjectExports: ExportService;
  /** Outgoing mail; undefined without SMTP_URL (then no mail is sent). */
  mailer: Mailer | undefined;
  /** Commenters' opt-ins to mail (replies, decisions). */
  mailSubscriptions: MailSubscriptionService;
  /** How webhook destinations are checked and reached (a test may swap its resolver). */
  webhookNetwork: WebhookNetwork;
  webhooks: WebhookService;
}

export function createServices(
  config: AppConfig,
  logger: Logger,
  redis: RedisConnections,
  metrics = new Metrics(),
  role: 'api' | 'worker' = 'api',
): Services {
  const sites = new SiteService();
  const pageCache = new PublicPageCache(
    redis,
    config.QUEUE_PREFIX,
    { ttlMs: config.PAGE_CACHE_TTL_MS, maxBytes: config.PAGE_CACHE_MB * 1024 * 1024, servesReads: role === 'api' },
    metrics,
    logger,
  );
  // Workers write too (decisions, erasure, retention): every process announces its writes.
  const stopPageCacheFeed = onSiteChange((changed, scope) => pageCache.invalidate(changed, scope));
  const refusals = new RefusalCache(redis, config.QUEUE_PREFIX, logger);
  const stopRefusalFeed = onRefusalChange((changed) => refusals.renew(changed));
  const commenters = new CommenterService();
  const log = new ModerationLogService();
  const threads = new ThreadService(pageCache, log, refusals);
  const bans = new BanService(commenters, log, config.IP_HASH_SECRET, refusals);
  const jobQueues = new JobQueues(JOBS, redis, config.QUEUE_PREFIX, config.JOB_LOCK_MS);
  const moderation = new ModerationQueue(jobQueues.of(moderationJob), logger);
  const rateLimit = new WriteRateLimit(redis, config.QUEUE_PREFIX, config.IP_HASH_SECRET, logger);
  const erasureQueue = new ErasureQueue(jobQueues.of(erasureJob));
  const comments = new CommentService({
    threads,
    commenters,
    moderation,
    rateLimit,
    bans,
    log,
    pageCache,
    refusals,
    ipHashSecret: config.IP_HASH_SECRET,
    ownStatements: withAppealStatements,
  });
  const reviewQueues = new ReviewQueueService();
  const webhookNetwork = createWebhookNetwork(config);
  const decisions = new DecisionService(log, commenters, reviewQueues);
  const appeals = new AppealService({ commenters, log, decisions, bans, secret: config.IP_HASH_SECRET });
  const moderationBatches = new ModerationBatches(
    {
      sites,
      decisions,
      observeDecision: (seconds, outcome) => metrics.decisionSeconds.observe({ outcome }, seconds),
    },
    moderationBatchLimits(config.WORKER_CONCURRENCY),
  );
  return {
    config,
    logger,
    redis,
    metrics,
    sites,
    threads,
    commenters,
    comments,
    pageCache,
    stopPageCacheFeed,
    refusals,
    stopRefusalFeed,
    stopEventHints: publishEventHints(redis, config.QUEUE_PREFIX),
    stopCountingCommands: countDatabaseCommands(metrics),
    jobQueues,
    moderation,
    rateLimit,
    log,
    bans,
    decisions,
    moderationBatches,
    reports: new ReportService(commenters, bans),
    reviewQueues,
    // Notices of illegal content come first, ahead of appeals (and of ordinary reports on /moderate).
    caseQueues: [new NoticeQueue(commenters), new AppealQueue(commenters)],
    appeals,
    notices: new NoticeService({ log, rateLimit, secret: config.IP_HASH_SECRET }),
    noticeDecisions: new NoticeDecisions({ comments, commenters, log }),
    erasureQueue,
    erasure: new ErasureService(erasureQueue, commenters, rateLimit, config.IP_HASH_SECRET),
    subjectExports: new ExportService(commenters, config.IP_HASH_SECRET),
    mailer: config.SMTP_URL ? new Mailer(config.SMTP_URL, config.MAIL_FROM) : undefined,
    mailSubscriptions: new MailSubscriptionService(commenters, !!config.SMTP_URL),
    webhookNetwork,
    webhooks: new WebhookService(webhookNetwork),
  };
}

/**
 * A worker holds WORKER_CONCURRENCY moderation jobs at once and decides them in two
 * batches at a time, each of up to half of them: while one batch waits for the database,
 * the other's jobs are fetched and evaluated.
 */
export function moderationBatchLimits(concurrency: number): { maxBatch: number; maxInFlight: number } {
  return { maxBatch: Math.max(1, Math.ceil(concurrency / 2)), maxInFlight: 2 };
}

/** Closes the queues and connections this process opened, in order. */
export async function closeServices(services: Services): Promise<void> {
  services.stopPageCacheFeed();
  services.stopRefusalFeed();
  // Outbox entries of jobs Redis has taken; any left would only be swept again.
  await services.moderation.flush();
  services.stopCountingCommands();
  services.stopEventHints();
  await services.pageCache.close();
  await services.jobQueues.close();
  services.mailer?.close();
  await services.redis.close();
}
