import { Types } from 'mongoose';
import type { Logger } from '../../infra/logger';
import type { RedisConnections } from '../../infra/redis';
import { CommenterModel } from '../commenters/commenter.model';
import { CommentModel } from '../comments/comment.model';
import { removeComments } from '../comments/comment-removal';
import { IdempotencyModel } from '../comments/idempotency.model';
import type { WriteRateLimit } from '../comments/write-rate-limit';
import { moderationJobId } from '../moderation/moderation.queue';
import { ModerationLogModel } from '../moderation/moderation-log.model';
import type { TypedQueue } from '../../infra/queue';
import { ReportModel } from '../reports/report.model';
import { ErasureRequestDoc, ErasureRequestModel } from './erasure-request.model';

/** Comments erased per step: bounded memory, and other work interleaves between steps. */
export const ERASURE_CHUNK = 500;

export interface ErasureDeps {
  redis: RedisConnections;
  rateLimit: WriteRateLimit;
  moderationQueue: TypedQueue<{ commentId: string; revision: number }>;
  logger: Logger;
}

/** A step of work recorded on the request before it is done, with the counts it will add. */
interface Step {
  commentIds: Types.ObjectId[];
  jobIds: string[];
  redisKeys: string[];
  counts: Record<string, number>;
  final: boolean;
}

/**
 * Erases one subject's data on one site, in steps of ERASURE_CHUNK comments. Each step is
 * first written to the request (ids and the counts it will add), then carried out with
 * idempotent deletes, then its counts are added and the step cleared in one update.
 * A worker killed at any point reruns the recorded step: nothing is skipped and nothing
 * is counted twice.
 */
export async function runErasure(requestId: string, deps: ErasureDeps): Promise<'completed' | 'skipped'> {
  let request = await ErasureRequestModel.findById(requestId).lean();
  if (!request || request.status === 'completed' || request.status === 'cancelled') return 'skipped';
  if (request.status === 'scheduled') {
    request = await ErasureRequestModel.findOneAndUpdate(
      { _id: request._id, status: 'scheduled' },
      { $set: { status: 'running', startedAt: new Date() } },
      { new: true, lean: true },
    ) ?? await ErasureRequestModel.findById(requestId).lean();
    if (!request || request.status !== 'running') return 'skipped';
  }

  let step = request.pendingChunk as Step | null;
  for (;;) {
    if (!step) step = await planCommentStep(request, deps) ?? await planFinalStep(request, deps);
    await carryOut(request, step, deps);
    const done = step.final;
    await ErasureRequestModel.updateOne(
      { _id: request._id },
      {
        $inc: Object.fromEntries(Object.entries(step.counts).map(([k, n]) => [`receipt.${k}`, n])),
        $set: done ? { pendingChunk: null, status: 'completed', completedAt: new Date() } : { pendingChunk: null },
      },
    );
    if (done) break;
    step = null;
  }
  deps.logger.info({ erasureRequestId: requestId }, 'erasure completed');
  return 'completed';
}

/** The next chunk of the subject's comments, recorded on the request; null when none are left. */
async function planCommentStep(request: ErasureRequestDoc, deps: ErasureDeps): Promise<Step | null> {
  const chunk = await CommentModel.find(
    { siteId: request.siteId, authorId: request.commenterId },
    { _id: 1, revision: 1, ipHash: 1 },
  ).sort({ _id: 1 }).limit(ERASURE_CHUNK).lean();
  if (chunk.length === 0) return null;
  const ids = chunk.map((c) => c._id);
  const replied = new Set((await CommentModel.find({ siteId: request.siteId, parentId: { $in: ids } }, { parentId: 1 }).lean()).map((r) => String(r.parentId)));
  const ipHashes = [...new Set(chunk.map((c) => c.ipHash).filter((h): h is string => !!h))];
  const step: Step = {
    commentIds: ids,
    jobIds: chunk.flatMap((c) => Array.from({ length: c.revision }, (_, i) => moderationJobId(String(c._id), i + 1))),
    redisKeys: deps.rateLimit.ipKeys(request.siteId, ipHashes),
    counts: {
      comments_deleted: ids.filter((id) => !replied.has(String(id))).length,
      comments_tombstoned: replied.size,
      ip_hashes: chunk.filter((c) => c.ipHash).length,
      reports_about_comments: await ReportModel.countDocuments({ commentId: { $in: ids } }),
    },
    final: false,
  };
  await ErasureRequestModel.updateOne({ _id: request._id }, { $set: { pendingChunk: step } });
  return step;
}

/** The last step: profile, reports made, idempotency records, counters, log pseudonymisation. */
async function planFinalStep(request: ErasureRequestDoc, deps: ErasureDeps): Promise<Step> {
  const profile = await CommenterModel.findOne({ _id: request.commenterId, siteId: request.siteId }, { sub: 1 }).lean();
  const step: Step = {
    commentIds: [],
    jobIds: [],
    redisKeys: profile ? [deps.rateLimit.commenterKey(request.siteId, profile.sub)] : [],
    counts: {
      profile: profile ? 1 : 0,
      reports_made: await ReportModel.countDocuments({ siteId: request.siteId, reporterId: request.commenterId }),
      idempotency_records: await IdempotencyModel.countDocuments({ siteId: request.siteId, authorId: request.commenterId }),
      log_entries_pseudonymised: await ModerationLogModel.countDocuments({
        siteId: request.siteId, $or: [{ subjectId: request.commenterId }, { actorId: request.commenterId }],
      }),
    },
    final: true,
  };
  await ErasureRequestModel.updateOne({ _id: request._id }, { $set: { pendingChunk: step } });
  return step;
}

/** Does a step's work; every operation is idempotent, so a rerun is harmless. */
async function carryOut(request: ErasureRequestDoc, step: Step, deps: ErasureDeps): Promise<void> {
  const { siteId, commenterId, subjectRef } = request;
  for (const jobId of step.jobIds) {
    const job = await deps.moderationQueue.bull.getJob(jobId);
    if (job && !(await job.isActive())) await job.remove();
  }
  if (step.redisKeys.length) await deps.redis.client.del(...step.redisKeys);
  if (step.commentIds.length) await removeComments(siteId, step.commentIds);
  if (!step.final) return;
  await ReportModel.deleteMany({ siteId, reporterId: commenterId });
  await IdempotencyModel.deleteMany({ siteId, authorId: commenterId });
  // Decisions stay in the log; the subject's identity in them becomes the pseudonymous reference.
  await ModerationLogModel.updateMany({ siteId, subjectId: commenterId }, { $set: { subjectId: null, subjectRef } });
  await ModerationLogModel.updateMany({ siteId, actorId: commenterId }, { $set: { actorId: null, actorName: `erased:${subjectRef.slice(0, 12)}` } });
  await CommenterModel.deleteOne({ _id: commenterId, siteId });
}
