import { Types } from 'mongoose';
import { announceOnce } from '../../infra/site-changes';
import { Actor, ModerationLogService, NewLogEntry } from '../moderation-log/moderation-log.service';
import { OutboxModel } from '../moderation/outbox.model';
import { ReportModel } from '../reports/report.model';
import { CommentDoc, CommentModel, RuleHit } from './comment.model';
import { IdempotencyModel } from './idempotency.model';
import { claimNextVersion, commentClaimKey } from './comment-claims';
import { anyOf } from '../../shared/id-range';
import { commentRemoved, RemovedBy } from '../events/comment-events';
import { recordEvents } from '../events/record-events';

/** What a removal did, for receipts and retention logs. */
export interface RemovalCounts {
  deleted: number;
  tombstoned: number;
  reports: number;
}

/** Who removes, and why: tombstones are claimed (and so logged) in their name. */
export interface Removal {
  actor: Actor;
  reason: string;
  /** The site's reason, for a moderator's removal. */
  reasonId?: string | null;
  /** Comments whose current version the caller has claimed already: id → version. */
  claimed?: Map<string, number>;
  log?: ModerationLogService;
  /**
   * Every comment removed is this commenter's, and all of theirs are going (an erasure):
   * a comment stays as a tombstone only where *others* replied to it, and the comments are
   * looked up and deleted among theirs only (on FerretDB, a filter on a field's value is
   * what keeps a query from reading every comment of the site).
   */
  allOf?: Types.ObjectId;
}

/**
 * The erased author's part of a filter. Filters name their most selective value first:
 * FerretDB 1.24 on PostgreSQL checks them in the order written, row by row.
 */
const byAuthor = (removal: Removal) => (removal.allOf ? { authorId: removal.allOf } : {});

/** What removal reads of a comment. */
export type RemovableComment = Pick<CommentDoc, '_id' | 'threadKey' | 'parentId' | 'version' | 'authorId' | 'status'>;
export const REMOVABLE_FIELDS = { threadKey: 1, parentId: 1, version: 1, authorId: 1, status: 1 } as const;

/** Comments about to be removed: the ids asked for, those found, and which of these were replied to. */
export interface Removable {
  ids: Types.ObjectId[];
  comments: RemovableComment[];
  /** Ids (as strings) of the found comments that keep a place as tombstones. */
  withReplies: Set<string>;
}

/**
 * Removes comments of one site the same way everywhere (author's or moderator's delete,
 * erasure, retention): a comment others replied to stays as a tombstone without text,
 * author or IP hash, so the replies keep their place; every other comment is deleted with
 * the reports about it and the idempotency records that point at it. A tombstone left
 * without replies is deleted too. Idempotent: running it twice changes nothing more.
 *
 * A tombstone is a change of the comment, so it claims the comment's version first (see
 * comment-claims.ts): an edit in flight either lands before it or is refused, and can
 * never put text back on a removed comment. A deleted comment needs no claim, as an
 * update of a document that is gone changes nothing.
 *
 * However many comments, it costs a fixed number of round trips (the claims are one
 * insertMany, the tombstones one bulkWrite or updateMany), plus one for each claim found
 * taken, and its writes announce the site once (announceOnce).
 */
export async function removeComments(siteId: string, ids: Types.ObjectId[], removal: Removal): Promise<RemovalCounts> {
  return removeFound(siteId, await findRemovable(siteId, ids, removal), removal);
}

/** Reads the comments as removal needs them, and which of them were replied to. */
export async function findRemovable(siteId: string, ids: Types.ObjectId[], removal: Removal): Promise<Removable> {
  if (ids.length === 0) return { ids, comments: [], withReplies: new Set() };
  const comments = await CommentModel.find({ ...byAuthor(removal), siteId, _id: anyOf(ids) }, REMOVABLE_FIELDS).lean();
  return { ids, comments, withReplies: await repliedTo(siteId, comments, removal) };
}

/** Which of these comments have replies that stay (ids as strings): they become tombstones. */
export async function repliedTo(
  siteId: string,
  comments: ReadonlyArray<Pick<CommentDoc, '_id'>>,
  removal: Pick<Removal, 'allOf'>,
): Promise<Set<string>> {
  if (comments.length === 0) return new Set();
  const replies = await CommentModel.find(
    {
      // The commenter's own replies are being erased with the rest: they keep nothing.
      ...(removal.allOf ? { authorId: { $ne: removal.allOf } } : {}),
      siteId,
      parentId: anyOf(comments.map((c) => c._id)),
    },
    { parentId: 1 },
  ).lean();
  return new Set(replies.map((r) => String(r.parentId)));
}

/** Removes comments read by findRemovable (or read the same way by the caller). */
export async function removeFound(siteId: string, found: Removable, removal: Removal): Promise<RemovalCounts> {
  const { ids, comments, withReplies } = found;
  if (ids.length === 0) return { deleted: 0, tombstoned: 0, reports: 0 };
  return announceOnce(async () => {
    const tombstones = comments.filter((c) => withReplies.has(String(c._id)));
    const drop = comments.filter((c) => !withReplies.has(String(c._id))).map((c) => c._id);

    const tombstoned = await writeTombstones(siteId, await claimTombstones(siteId, tombstones, removal), removal);
    // By the ids asked for: a rerun may no longer find comments it tombstoned or deleted before.
    const reports = (await ReportModel.deleteMany({ siteId, commentId: { $in: ids } })).deletedCount;
    if (drop.length) await IdempotencyModel.deleteMany({ siteId, commentId: { $in: drop } });
    await OutboxModel.deleteMany({ commentId: { $in: ids } });
    const deleted = drop.length
      ? (await CommentModel.deleteMany({ ...byAuthor(removal), siteId, _id: anyOf(drop) })).deletedCount
      : 0;
    const by = removedBy(removal);
    await recordEvents(
      comments
        .filter((c) => c.status !== 'removed')
        .map((c) => commentRemoved({ ...c, siteId }, by, withReplies.has(String(c._id)), removal.reasonId ?? null)),
    );
    return { deleted: deleted + (await removeEmptiedTombstones(siteId, comments)), tombstoned, reports };
  });
}

/** Who a removal's event says removed the comments. */
function removedBy(removal: Removal): RemovedBy {
  if (removal.reason === 'erasure' || removal.reason === 'retention') return removal.reason;
  return removal.actor.kind === 'system' ? 'system' : removal.actor.kind;
}

/**
 * Up to this many tombstones are written by one statement each, more by one statement per
 * version they are on (all in one bulkWrite, one round trip). FerretDB 1.24 reads, for
 * every statement, each document its filter's plain values select: a statement by id
 * scans the collection's table once; one for many reads every comment of the site (or of
 * the author) that is on that version.
 */
const TOMBSTONES_ONE_BY_ONE = 25;

/** The tombstones, each written on the version claimed for it; returns how many were written. */
async function writeTombstones(
  siteId: string,
  versions: Array<[Types.ObjectId, number]>,
  removal: Removal,
): Promise<number> {
  if (versions.length === 0) return 0;
  const now = new Date();
  const update = () => ({
    $set: {
      status: 'removed' as const,
      body: '',
      authorId: null,
      ipHash: null,
      rules: [] as RuleHit[],
      held: false,
      withheld: false,
      updatedAt: now,
    },
    $inc: { version: 1 },
  });
  const byVersion = new Map<number, Types.ObjectId[]>();
  if (versions.length > TOMBSTONES_ONE_BY_ONE)
    for (const [id, version] of versions) byVersion.set(version, [...(byVersion.get(version) ?? []), id]);
  // On the claimed version only: a change that got in first is never overwritten. Every
  // statement is an updateMany, though one by id matches one comment at most: FerretDB
  // 1.24 holds a PostgreSQL connection for each updateOne statement until the whole
  // command is done, and an update with 50 of them (its pool) never finishes.
  const filters = byVersion.size
    ? [...byVersion].map(([version, ids]) => ({ ...byAuthor(removal), siteId, version, _id: anyOf(ids) }))
    : versions.map(([_id, version]) => ({ _id, siteId, version }));
  const written = await CommentModel.bulkWrite(
    filters.map((filter) => ({ updateMany: { filter, update: update() } })),
    { ordered: false },
  );
  return written.modifiedCount;
}

/**
 * Parents that were tombstones and have just lost their last reply go as well; returns how
 * many. A parent a moderator removed and kept for its author is withheld from others instead.
 */
async function removeEmptiedTombstones(siteId: string, removed: RemovableComment[]): Promise<number> {
  const parents = [...new Set(removed.flatMap((c) => (c.parentId ? [String(c.parentId)] : [])))].map(
    (id) => new Types.ObjectId(id),
  );
  if (parents.length === 0) return 0;
  const tombstones = await CommentModel.find({ status: 'removed', siteId, _id: { $in: parents } }, { _id: 1 }).lean();
  if (tombstones.length === 0) return 0;
  const stillReplied = new Set(
    (await CommentModel.find({ siteId, parentId: { $in: tombstones.map((t) => t._id) } }, { parentId: 1 }).lean()).map(
      (r) => String(r.parentId),
    ),
  );
  const emptied = tombstones.filter((t) => !stillReplied.has(String(t._id))).map((t) => t._id);
  if (emptied.length === 0) return 0;
  await CommentModel.updateMany(
    { status: 'removed', siteId, _id: { $in: emptied }, authorId: { $ne: null } },
    { $set: { withheld: true } },
  );
  return (await CommentModel.deleteMany({ status: 'removed', siteId, _id: { $in: emptied }, authorId: null }))
    .deletedCount;
}

/** A tombstone already: nothing is claimed or written for it again. */
const isTombstone = (c: Pick<CommentDoc, 'status' | 'authorId'>) => c.status === 'removed' && !c.authorId;

/**
 * Claims the version each tombstone is written on: all at once on the versions just read,
 * then, for each claim found taken (an edit or a decision in flight, or a holder that
 * died), one by one as claimNextVersion does. Returns [id, claimed version] pairs.
 */
async function claimTombstones(
  siteId: string,
  comments: RemovableComment[],
  removal: Removal,
): Promise<Array<[Types.ObjectId, number]>> {
  const log = removal.log ?? new ModerationLogService();
  const entry = (c: RemovableComment): Omit<NewLogEntry, 'claimKey' | 'commentId'> => ({
    siteId,
    actor: removal.actor,
    action: 'removed',
    subjectId: c.authorId,
    threadKey: c.threadKey,
    reason: removal.reason,
    reasonId: removal.reasonId ?? null,
  });
  const claimed: Array<[Types.ObjectId, number]> = [];
  const toClaim: RemovableComment[] = [];
  for (const c of comments) {
    const held = removal.claimed?.get(String(c._id));
    if (held !== undefined) claimed.push([c._id, held]);
    else if (!isTombstone(c)) toClaim.push(c);
  }
  const taken = await log.appendClaims(
    toClaim.map((c) => ({ ...entry(c), commentId: c._id, claimKey: commentClaimKey(c._id, c.version) })),
  );
  for (const c of toClaim) {
    if (!taken.has(commentClaimKey(c._id, c.version))) {
      claimed.push([c._id, c.version]);
      continue;
    }
    const current = await claimNextVersion(log, c._id, entry(c), 'erasure.tombstones.waiting', isTombstone);
    if (current) claimed.push([c._id, current.version]);
  }
  return claimed;
}
