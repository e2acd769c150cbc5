import type { Logger } from '../../infra/logger';
import { CommentModel } from '../comments/comment.model';
import { removeComments } from '../comments/comment-removal';
import { IdempotencyModel } from '../comments/idempotency.model';
import { SentMailModel } from '../notifications/sent-mail.model';
import { EventModel } from '../events/event.model';
import { AttemptModel, DeliveryModel } from '../webhooks/webhook-delivery.model';
import { SiteModel } from '../sites/site.model';
import type { SiteConfig } from '../sites/site.schemas';

/** Idempotency keys only need to outlive a client's retries. */
const IDEMPOTENCY_KEEP_MS = 24 * 3_600_000;
/** Finished job records kept in Redis for operators, then removed. */
const COMPLETED_JOBS_KEEP_MS = 3_600_000;
const FAILED_JOBS_KEEP_MS = 7 * 86_400_000;
const BATCH = 500;

export interface RetentionCounts {
  ipHashesDeleted: number;
  rejectedDeleted: number;
  idempotencyDeleted: number;
  sentMailDeleted: number;
  /** Webhook attempts (the delivery log), finished deliveries and dispatched events older than WEBHOOK_RETENTION_DAYS. */
  webhookRecordsDeleted: number;
  eventsDeleted: number;
  jobRecordsDeleted: number;
}

/** What retention needs of a job queue: removing old records of finished jobs. */
export interface FinishedJobRecords {
  clean(olderThanMs: number, status: 'completed' | 'failed'): Promise<number>;
}

/** Groups items by a key. */
function groupBy<T extends { _id: unknown }, K>(items: T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
}

/**
 * Applies every site's retention settings: IP hashes older than `ipHashDays` and
 * rejected comments older than `rejectedDays` (counted from the decision) are deleted;
 * records of sent mail older than `notifications.sentMailRetentionDays`, old idempotency
 * records and finished job records go too. Logs counts only.
 */
export async function runRetention(
  queues: FinishedJobRecords[],
  logger: Logger,
  now = new Date(),
  options: { webhookRetentionDays?: number } = {},
): Promise<RetentionCounts> {
  const counts: RetentionCounts = {
    ipHashesDeleted: 0,
    rejectedDeleted: 0,
    idempotencyDeleted: 0,
    sentMailDeleted: 0,
    webhookRecordsDeleted: 0,
    eventsDeleted: 0,
    jobRecordsDeleted: 0,
  };
  const sites = await SiteModel.find({}, { config: 1 }).lean();
  // Sites sharing a period are handled by one query each: a handful of queries per run,
  // however many sites there are.
  for (const [days, group] of groupBy(sites, (s) => (s.config as SiteConfig).retention.ipHashDays)) {
    const siteIds = group.map((s) => s._id);
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    counts.ipHashesDeleted += (
      await CommentModel.updateMany(
        { siteId: { $in: siteIds }, createdAt: { $lt: cutoff }, ipHash: { $ne: null } },
        { $set: { ipHash: null } },
      )
    ).modifiedCount;
  }
  for (const [days, group] of groupBy(sites, (s) => (s.config as SiteConfig).retention.rejectedDays)) {
    const siteIds = group.map((s) => s._id);
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    for (;;) {
      // Rejected comments, and those a moderator removed and kept for their authors (tombstones have none).
      const decided = { siteId: { $in: siteIds }, decidedAt: { $lt: cutoff } };
      const batch = [
        ...(await CommentModel.find({ ...decided, status: 'rejected' }, { _id: 1, siteId: 1 })
          .limit(BATCH)
          .lean()),
        ...(await CommentModel.find({ ...decided, status: 'removed', authorId: { $ne: null } }, { _id: 1, siteId: 1 })
          .limit(BATCH)
          .lean()),
      ];
      if (batch.length === 0) break;
      for (const [siteId, ids] of groupBy(batch, (c) => c.siteId)) {
        const removed = await removeComments(
          siteId,
          ids.map((c) => c._id),
          { actor: { kind: 'system' }, reason: 'retention' },
        );
        counts.rejectedDeleted += removed.deleted + removed.tombstoned;
      }
    }
  }
  // Records of sent mail, by each site's notifications.sentMailRetentionDays (30 for
  // sites stored before that setting existed).
  for (const [days, group] of groupBy(
    sites,
    (s) => (s.config as SiteConfig).notifications?.sentMailRetentionDays ?? 30,
  )) {
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    counts.sentMailDeleted += (
      await SentMailModel.deleteMany({ siteId: { $in: group.map((s) => s._id) }, at: { $lt: cutoff } })
    ).deletedCount;
  }
  counts.idempotencyDeleted = (
    await IdempotencyModel.deleteMany({ createdAt: { $lt: new Date(now.getTime() - IDEMPOTENCY_KEEP_MS) } })
  ).deletedCount;
  // The feed and the webhooks' delivery log: kept for operators and redeliveries, then gone.
  const feedCutoff = new Date(now.getTime() - (options.webhookRetentionDays ?? 30) * 86_400_000);
  counts.webhookRecordsDeleted =
    (await AttemptModel.deleteMany({ at: { $lt: feedCutoff } })).deletedCount +
    (await DeliveryModel.deleteMany({ createdAt: { $lt: feedCutoff }, state: { $ne: 'pending' } })).deletedCount;
  counts.eventsDeleted = (
    await EventModel.deleteMany({ state: 'dispatched', createdAt: { $lt: feedCutoff } })
  ).deletedCount;
  for (const queue of queues) {
    counts.jobRecordsDeleted += await queue.clean(COMPLETED_JOBS_KEEP_MS, 'completed');
    counts.jobRecordsDeleted += await queue.clean(FAILED_JOBS_KEEP_MS, 'failed');
  }
  logger.info({ retention: counts }, 'retention run');
  return counts;
}
