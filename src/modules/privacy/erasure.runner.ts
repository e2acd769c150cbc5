import type { Logger } from '../../infra/logger';
import { erasureCause, erasureCompleted } from '../events/erasure-events';
import { recordEvents, releaseEvent } from '../events/record-events';
import type { RedisConnections } from '../../infra/redis';
import { checkpoint } from '../../shared/checkpoints';
import { CommenterModel } from '../commenters/commenter.model';
import { CommentModel } from '../comments/comment.model';
import {
  findRemovable,
  Removable,
  REMOVABLE_FIELDS,
  Removal,
  removeFound,
  repliedTo,
} from '../comments/comment-removal';
import type { WriteRateLimit } from '../comments/write-rate-limit';
import { moderationJob, ModerationPayload } from '../moderation/moderation.job';
import type { TypedQueue } from '../../infra/queue';
import { ReportModel } from '../reports/report.model';
import { DataSubject, PERSONAL_DATA } from './personal-data-inventory';
import { ErasureRequestDoc, ErasureRequestModel } from './erasure-request.model';
import { ErasureStepDoc, ErasureStepModel } from './erasure-step.model';
import { isDuplicateKey } from '../../infra/mongo';

/**
 * Comments erased per step: bounded memory, and other work interleaves between steps. On
 * FerretDB 1.24 each step's delete reads every comment the subject still has (its filter
 * narrows no further than site and author), so fewer, larger steps cost less. Below
 * 3000, or the crash test's worker could finish before it is killed.
 */
export const ERASURE_CHUNK = 2000;

export interface ErasureDeps {
  redis: RedisConnections;
  rateLimit: WriteRateLimit;
  moderationQueue: TypedQueue<ModerationPayload>;
  logger: Logger;
  /** After each comment step, wait this many times as long as it took (ERASURE_PACE); 0 or unset: no pause. */
  pace?: number;
}

type Step = Pick<ErasureStepDoc, 'commentIds' | 'jobIds' | 'redisKeys' | 'counts' | 'final'>;

/** A step as claimed, with its comments as its plan read them when this runner's plan is the one recorded. */
interface ClaimedStep {
  step: ErasureStepDoc;
  found?: Removable;
}

/**
 * Erases one subject's data on one site, in steps of ERASURE_CHUNK comments. Each step is
 * claimed and recorded (ids and the counts it will add) before anything is deleted, then
 * carried out with idempotent deletes, then marked done; the receipt is the sum of the
 * steps. A worker killed at any point reruns the open step; two runners at once share the
 * same steps. Either way nothing is skipped and nothing is counted twice.
 *
 * A step's writes are batches (see removeFound), and the comments its plan read are the
 * ones it removes, without reading them again; a step taken over from another runner, or
 * rerun after a crash, reads its comments afresh.
 */
export async function runErasure(requestId: string, deps: ErasureDeps): Promise<'completed' | 'skipped'> {
  let request = await ErasureRequestModel.findById(requestId).lean();
  // A rerun after a crash between completing and deleting the steps (or letting the event go) does it now.
  if (request?.status === 'completed') {
    await ErasureStepModel.deleteMany({ requestId: request._id });
    await releaseEvent('erasure.completed', erasureCause(request));
  }
  if (!request || request.status === 'completed' || request.status === 'cancelled') return 'skipped';
  if (request.status === 'scheduled') {
    // The mark renews the site's refusal token (refusal-changes.ts on the model): from
    // then on every process refuses the subject's posts before they write anything.
    await ErasureRequestModel.updateOne(
      { _id: request._id, siteId: request.siteId, status: 'scheduled' },
      { $set: { status: 'running', startedAt: new Date() } },
    );
    request = await ErasureRequestModel.findById(requestId).lean();
    if (!request || request.status !== 'running') return 'skipped';
  }
  // Where an earlier run stopped; from there on, each step after the one just done (a
  // runner that has claimed it already has its plan taken).
  let last: ErasureStepDoc | null = await ErasureStepModel.findOne({ requestId: request._id }).sort({ n: -1 }).lean();
  for (;;) {
    if (last?.final && last.done) break;
    const { step, found }: ClaimedStep =
      last && !last.done ? { step: last } : await claimStep(request, (last?.n ?? 0) + 1, deps);
    if (!step.done) {
      const began = Date.now();
      await carryOut(request, step, deps, found);
      await ErasureStepModel.updateOne({ _id: step._id }, { $set: { done: true } });
      // The database gets a breather between steps: readers meanwhile keep their latency.
      if (!step.final && deps.pace) await sleep(deps.pace * (Date.now() - began));
    }
    last = { ...step, done: true };
  }
  const steps = await ErasureStepModel.find({ requestId: request._id }).lean();
  const receipt: Record<string, number> = {};
  for (const step of steps)
    for (const [kind, n] of Object.entries(step.counts)) receipt[kind] = (receipt[kind] ?? 0) + n;
  // Only the runner that finds the request still running completes it: a second runner
  // that raced it (a stalled job taken over) must not replace its receipt.
  const completed = await ErasureRequestModel.updateOne(
    { _id: request._id, siteId: request.siteId, status: 'running' },
    { $set: { receipt, steps: steps.length, status: 'completed', completedAt: new Date() } },
  );
  // The steps listed the subject's comment ids, tombstones kept under others' replies
  // among them: once the receipt holds their counts, nothing may link those to the request.
  await ErasureStepModel.deleteMany({ requestId: request._id });
  await releaseEvent('erasure.completed', erasureCause(request));
  if (completed.matchedCount === 0) return 'skipped';
  deps.logger.info({ erasureRequestId: requestId, steps: steps.length }, 'erasure completed');
  return 'completed';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Plans step n and claims it; if another runner claimed it first, its plan is used. */
async function claimStep(request: ErasureRequestDoc, n: number, deps: ErasureDeps): Promise<ClaimedStep> {
  const plan: { step: Step; found?: Removable } = (await planCommentStep(request, deps)) ?? {
    step: await planFinalStep(request, deps),
  };
  try {
    const step = (await ErasureStepModel.create({ requestId: request._id, n, ...plan.step, done: false })).toObject();
    return { step, found: plan.found };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return { step: await ErasureStepModel.findOne({ requestId: request._id, n }).lean().orFail() };
  }
}

/** How the erasure removes its subject's comments. */
const removalOf = (request: ErasureRequestDoc): Removal => ({
  actor: { kind: 'system' },
  reason: 'erasure',
  allOf: request.commenterId ?? undefined,
});

/**
 * The next chunk of the subject's comments (any of them: each step removes its chunk, so
 * the next one finds the rest; left unsorted, FerretDB reads no more of them than the
 * chunk), and which of them others replied to; null when none are left.
 */
async function planCommentStep(
  request: ErasureRequestDoc,
  deps: ErasureDeps,
): Promise<{ step: Step; found: Removable } | null> {
  // A subject known by email alone has no profile, so no comments (and authorId null would name tombstones).
  if (!request.commenterId) return null;
  const chunk = await CommentModel.find(
    { authorId: request.commenterId, siteId: request.siteId },
    { ...REMOVABLE_FIELDS, revision: 1, ipHash: 1 },
  )
    .limit(ERASURE_CHUNK)
    .batchSize(ERASURE_CHUNK)
    .lean();
  if (chunk.length === 0) return null;
  const ids = chunk.map((c) => c._id);
  const replied = await repliedTo(request.siteId, chunk, removalOf(request));
  const ipHashes = [...new Set(chunk.map((c) => c.ipHash).filter((h): h is string => !!h))];
  const step: Step = {
    commentIds: ids,
    jobIds: chunk.flatMap((c) =>
      Array.from({ length: c.revision }, (_, i) => moderationJob.jobId({ commentId: String(c._id), revision: i + 1 })),
    ),
    redisKeys: deps.rateLimit.ipKeys(request.siteId, ipHashes),
    counts: {
      comments_deleted: ids.length - replied.size,
      comments_tombstoned: replied.size,
      ip_hashes: chunk.filter((c) => c.ipHash).length,
      reports_about_comments: await ReportModel.countDocuments({ siteId: request.siteId, commentId: { $in: ids } }),
    },
    final: false,
  };
  return { step, found: { ids, comments: chunk, withReplies: replied } };
}

/** Whom a request erases, as the personal-data inventory looks them up. */
const subjectOf = (request: ErasureRequestDoc): DataSubject => ({
  siteId: request.siteId,
  commenterId: request.commenterId,
  subjectRef: request.subjectRef,
  emailRef: request.emailRef ?? null,
});

/**
 * The last step: every other place of the personal-data inventory (reports made,
 * idempotency records, the log's pseudonymisation, what is kept, the profile), and the
 * commenter's rate-limit counter.
 */
async function planFinalStep(request: ErasureRequestDoc, deps: ErasureDeps): Promise<Step> {
  const profile = await CommenterModel.findOne({ _id: request.commenterId, siteId: request.siteId }, { sub: 1 }).lean();
  const counts: Record<string, number> = {};
  for (const place of PERSONAL_DATA) {
    if (place.erasure === 'comments') continue; // the comment steps count those
    const filter = place.filter(subjectOf(request));
    counts[place.receiptKey] = filter ? await place.model.countDocuments(filter) : 0;
  }
  return {
    commentIds: [],
    jobIds: [],
    redisKeys: [
      ...(profile ? [deps.rateLimit.commenterKey(request.siteId, profile.sub)] : []),
      deps.rateLimit.erasureKey(request.siteId, request.subjectRef),
    ],
    counts,
    final: true,
  };
}

/**
 * Does a step's work; every operation is idempotent, so a rerun is harmless. `found`: the
 * step's comments as its plan just read them (otherwise they are read again).
 */
async function carryOut(request: ErasureRequestDoc, step: Step, deps: ErasureDeps, found?: Removable): Promise<void> {
  const { siteId } = request;
  await deps.moderationQueue.removeAllUnlessActive(step.jobIds);
  if (step.redisKeys.length) await deps.redis.client.del(...step.redisKeys);
  if (step.commentIds.length) {
    const removal = removalOf(request);
    await removeFound(siteId, found ?? (await findRemovable(siteId, step.commentIds, removal)), removal);
  }
  if (!step.final) return;
  const subject = subjectOf(request);
  for (const place of PERSONAL_DATA) {
    const filter = place.filter(subject);
    if (place.erasure === 'delete' && filter) await place.model.deleteMany(filter);
    if (place.erasure === 'pseudonymise' || place.erasure === 'keep') await place.eraseIdentity?.(subject);
  }
  // The host's user id goes with the request's event, the one that carries it, written
  // (held) while the profile still holds it and let go once the request is completed.
  await recordEvents([await erasureCompleted(request)]);
  await checkpoint('erasure.final.beforeProfile');
  // The profile goes last: until then a rerun can still find everything by its id.
  for (const place of PERSONAL_DATA) {
    const filter = place.erasure === 'profile' ? place.filter(subject) : null;
    if (filter) await place.model.deleteMany(filter);
  }
}
