import type { Logger } from '../../infra/logger';
import type { Queue } from 'bull';
import { CommentModel } from '../comments/comment.model';
import { removeComments } from '../comments/comment-removal';
import { IdempotencyModel } from '../comments/idempotency.model';
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
  jobRecordsDeleted: number;
}

/**
 * Applies every site's retention settings: IP hashes older than `ipHashDays` and
 * rejected comments older than `rejectedDays` (counted from the decision) are deleted;
 * old idempotency records and finished job records go too. Logs counts only.
 */
export async function runRetention(queues: Queue[], logger: Logger, now = new Date()): Promise<RetentionCounts> {
  const counts: RetentionCounts = { ipHashesDeleted: 0, rejectedDeleted: 0, idempotencyDeleted: 0, jobRecordsDeleted: 0 };
  const sites = await SiteModel.find({}, { config: 1 }).lean();
  for (const site of sites) {
    const retention = (site.config as SiteConfig).retention;
    const ipCutoff = new Date(now.getTime() - retention.ipHashDays * 86_400_000);
    counts.ipHashesDeleted += (await CommentModel.updateMany(
      { siteId: site._id, createdAt: { $lt: ipCutoff }, ipHash: { $ne: null } },
      { $set: { ipHash: null } },
    )).modifiedCount;

    const rejectedCutoff = new Date(now.getTime() - retention.rejectedDays * 86_400_000);
    for (;;) {
      const batch = await CommentModel.find({ siteId: site._id, status: 'rejected', decidedAt: { $lt: rejectedCutoff } }, { _id: 1 }).limit(BATCH).lean();
      if (batch.length === 0) break;
      const removed = await removeComments(site._id, batch.map((c) => c._id));
      counts.rejectedDeleted += removed.deleted + removed.tombstoned;
    }
  }
  counts.idempotencyDeleted = (await IdempotencyModel.deleteMany({ createdAt: { $lt: new Date(now.getTime() - IDEMPOTENCY_KEEP_MS) } })).deletedCount;
  for (const queue of queues) {
    counts.jobRecordsDeleted += (await queue.clean(COMPLETED_JOBS_KEEP_MS, 'completed')).length;
    counts.jobRecordsDeleted += (await queue.clean(FAILED_JOBS_KEEP_MS, 'failed')).length;
  }
  logger.info({ retention: counts }, 'retention run');
  return counts;
}
