import type { Types } from 'mongoose';
import type { CommentDoc, RuleHit } from '../comments/comment.model';
import type { NewEvent } from './record-events';

/**
 * The events of comments, built in one place so that every cause shapes them alike. They
 * hold ids, codes and counts: never the text, the author or the IP hash.
 */
type CommentRef = Pick<CommentDoc, '_id' | 'siteId' | 'threadKey' | 'parentId'>;

const ids = (c: CommentRef) => ({
  commentId: String(c._id),
  thread: c.threadKey,
  parentId: c.parentId ? String(c.parentId) : null,
});

/** A new comment, as its post wrote it (and as its first decision writes it again, should the post have died first). */
export function commentCreated(c: CommentRef): NewEvent {
  return {
    type: 'comment.created',
    siteId: c.siteId,
    cause: `created:${String(c._id)}`,
    data: { ...ids(c), status: 'pending' },
  };
}

export type DecidedBy = 'system' | 'moderator';

/** What a decision became: held, published or rejected. */
export type DecidedAs = 'held' | 'published' | 'rejected';

/**
 * The events of one decision on one version of a comment (its claim in the moderation
 * log names the version): `comment.held` with the queue and the rules that fired,
 * `comment.published` (and `comment.replied` the first time a reply is published), or
 * `comment.rejected` with a reason code.
 */
export function decisionEvents(
  c: CommentRef,
  as: DecidedAs,
  by: DecidedBy,
  claimedVersion: number,
  details: { rules: readonly RuleHit[]; reasonId?: string | null },
): NewEvent[] {
  const cause = `c:${String(c._id)}:v${claimedVersion}`;
  const rules = details.rules.map((r) => r.rule);
  if (as === 'held')
    return [
      {
        type: 'comment.held',
        siteId: c.siteId,
        cause,
        data: { ...ids(c), status: 'pending', queue: 'pending', rules, reasonId: details.reasonId ?? null },
      },
    ];
  if (as === 'rejected') {
    const reasonId = details.reasonId ?? null;
    return [
      {
        type: 'comment.rejected',
        siteId: c.siteId,
        cause,
        data: { ...ids(c), status: 'rejected', by, rules, reasonId },
      },
    ];
  }
  const published: NewEvent = {
    type: 'comment.published',
    siteId: c.siteId,
    cause,
    data: { ...ids(c), status: 'published', by, rules },
  };
  if (!c.parentId) return [published];
  // A reply is told to whoever it answers once, however often it is edited and published again.
  const replied: NewEvent = {
    type: 'comment.replied',
    siteId: c.siteId,
    cause: `replied:${String(c._id)}`,
    data: { commentId: String(c._id), parentId: String(c.parentId), thread: c.threadKey },
  };
  return [published, replied];
}

export type RemovedBy = 'author' | 'moderator' | 'erasure' | 'retention' | 'system';

/** A comment removed (deleted, or a tombstone where others replied): once per comment. */
export function commentRemoved(
  c: CommentRef,
  by: RemovedBy,
  tombstone: boolean,
  reasonId: string | null,
  /** The version removed, where a comment may be removed more than once (a reversal republishes it). */
  version?: number,
): NewEvent {
  return {
    type: 'comment.removed',
    siteId: c.siteId,
    cause: version === undefined ? `removed:${String(c._id)}` : `removed:${String(c._id)}:v${version}`,
    data: { ...ids(c), status: 'removed', by, tombstone, reasonId },
  };
}

/**
 * A comment that reached the site's report threshold. Reports that a moderator's decision
 * settled start a new round: `round` is how many reports were settled before, so the
 * reports of one round make one event however many cross the threshold at once.
 */
export function commentReported(
  c: Pick<CommentDoc, '_id' | 'siteId' | 'threadKey'>,
  open: number,
  round: number,
): NewEvent {
  return {
    type: 'comment.reported',
    siteId: c.siteId,
    cause: `reported:${String(c._id)}:${round}`,
    data: { commentId: String(c._id), thread: c.threadKey, reports: open },
  };
}

/** The moderation log entry an event of a thread or a ban follows: its id is the cause. */
export function logCause(entry: { _id: Types.ObjectId }): string {
  return `log:${String(entry._id)}`;
}
