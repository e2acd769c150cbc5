import type { Types } from 'mongoose';
import { checkpoint, CheckpointName } from '../../shared/checkpoints';
import { ModerationLogModel, LogEntryDoc } from '../moderation-log/moderation-log.model';
import { ClaimTaken, ModerationLogService, NewLogEntry } from '../moderation-log/moderation-log.service';
import { CommentDoc, CommentModel } from './comment.model';

/**
 * Every change of a comment's text or status (a decision, an author's edit, a removal by
 * anyone, an erasure's tombstone) first claims the version it is made on, by inserting
 * `c:<commentId>:v<version>` into the moderation log, where that key is unique. Only the
 * holder of a version's claim may write the comment at that version, so no two changes
 * can overwrite each other, on MongoDB and on FerretDB (which can lose one of two
 * concurrent updates of a document) alike, and a removed comment can never come back.
 */
export function commentClaimKey(commentId: Types.ObjectId | string, version: number): string {
  return `c:${String(commentId)}:v${version}`;
}

/** How long a taken claim may stay unapplied before its holder is taken to have died. */
export const STALE_CLAIM_MS = 3000;

/**
 * Removes a claim that never reached the comment: its holder failed or died after
 * claiming, so the version can be claimed again and the log does not record a change
 * that did not happen. With `editsOnly`, only an author's edit is voided (a decision's
 * claim is completed by its own retry instead). Returns whether anything was voided.
 */
export async function voidUnappliedClaim(
  comment: Pick<CommentDoc, '_id' | 'version'>,
  entry: LogEntryDoc,
  options: { editsOnly?: boolean } = {},
): Promise<boolean> {
  if (options.editsOnly && entry.action !== 'edited') return false;
  const current = await CommentModel.findById(comment._id, { version: 1 }).lean();
  if (current && current.version !== comment.version) return false; // it did land
  return (await ModerationLogModel.deleteOne({ _id: entry._id, claimKey: entry.claimKey })).deletedCount > 0;
}

/**
 * Claims the next version of a comment for a change that must happen whatever else is
 * going on (a removal, an erasure's tombstone): when the version is claimed by someone
 * else, it waits for that change to land and claims the version after it; when the
 * holder never lands (it died), its claim is voided. Returns the comment as it is
 * at the claimed version, or null when it is gone (or `unless` says to leave it).
 */
export async function claimNextVersion(
  log: ModerationLogService,
  commentId: Types.ObjectId,
  entry: Omit<NewLogEntry, 'claimKey' | 'commentId'>,
  waitingPoint: CheckpointName,
  /** When this holds of the comment as it is now, nothing is claimed (null). */
  unless: (comment: CommentDoc) => boolean = () => false,
): Promise<CommentDoc | null> {
  for (;;) {
    const comment = await CommentModel.findById(commentId).lean();
    if (!comment || comment.siteId !== entry.siteId || unless(comment)) return null;
    try {
      await log.append({ ...entry, commentId, claimKey: commentClaimKey(comment._id, comment.version) });
      return comment;
    } catch (err) {
      if (!(err instanceof ClaimTaken)) throw err;
    }
    await checkpoint(waitingPoint);
    if (await versionMoved(comment, STALE_CLAIM_MS)) continue;
    // The holder has not landed its change for a long while: it died. What it meant to
    // do no longer matters (the comment is being removed), so its claim is voided.
    const holder = await log.byClaim(commentClaimKey(comment._id, comment.version));
    if (holder) await voidUnappliedClaim(comment, holder);
  }
}

/** Waits up to waitMs for a comment's version to change (or the comment to go). */
async function versionMoved(comment: Pick<CommentDoc, '_id' | 'version'>, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const current = await CommentModel.findById(comment._id, { version: 1 }).lean();
    if (!current || current.version !== comment.version) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}
