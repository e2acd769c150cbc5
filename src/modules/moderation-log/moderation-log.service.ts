import { Types } from 'mongoose';
import type { Identity } from '../auth/commenter-token';
import type { CommenterService } from '../commenters/commenter.service';
import { afterCursor, decodeCursor, encodeCursor } from '../../shared/cursor';
import type { RuleHit } from '../comments/comment.model';
import { LogAction, LogEntryDoc, ModerationLogModel } from './moderation-log.model';
import { LogEntryView, toLogView } from './moderation-log.view';
import { isDuplicateKey } from '../../infra/mongo';

/** Who acted: the system (automated rules), a moderator, or the comment's author (an edit). */
export type Actor = { kind: 'system' } | { kind: 'moderator' | 'author'; id: Types.ObjectId; name: string };

export interface NewLogEntry {
  siteId: string;
  actor: Actor;
  action: LogAction;
  commentId?: Types.ObjectId | null;
  subjectId?: Types.ObjectId | null;
  /** For a subject whose profile is erased: the pseudonymous reference instead. */
  subjectRef?: string | null;
  threadKey?: string | null;
  reason?: string | null;
  rules?: RuleHit[];
  until?: Date | null;
  /** Unique; defaults to a fresh id. Decisions pass `c:<commentId>:v<version>`. */
  claimKey?: string;
}

/** A moderator as the log records them: their profile on the site (created on first action). */
export async function moderatorActor(
  commenters: CommenterService,
  identity: Identity,
): Promise<Actor & { kind: 'moderator' }> {
  const profile = await commenters.upsert(identity);
  return { kind: 'moderator', id: profile._id, name: profile.name };
}

/** Thrown when a claim key is taken: someone else already made this decision. */
export class ClaimTaken extends Error {
  constructor(readonly claimKey: string) {
    super('claim taken');
  }
}

/** The append-only moderation log. */
export class ModerationLogService {
  /** Appends an entry; throws ClaimTaken when its claim key exists already. */
  async append(entry: NewLogEntry): Promise<LogEntryDoc> {
    const claimKey = entry.claimKey ?? `e:${new Types.ObjectId().toHexString()}`;
    try {
      const doc = await ModerationLogModel.create(newEntry(entry, claimKey, new Date()));
      return doc.toObject();
    } catch (err) {
      if (isDuplicateKey(err)) throw new ClaimTaken(claimKey);
      throw err;
    }
  }

  /**
   * Appends entries that each hold a claim, in one round trip (an unordered insertMany):
   * every claim whose key is free is taken, whatever happens to the others. Returns the
   * keys that were taken already, which the caller handles one by one as after append's
   * ClaimTaken; any other failure is thrown (claims inserted before it stay taken, as
   * with append).
   */
  async appendClaims(entries: Array<NewLogEntry & { claimKey: string }>): Promise<Set<string>> {
    if (entries.length === 0) return new Set();
    const at = new Date();
    const docs = entries.map((entry) => newEntry(entry, entry.claimKey, at));
    try {
      await ModerationLogModel.insertMany(docs, { ordered: false });
      return new Set();
    } catch (err) {
      // The driver's write errors, or mongoose's copies of them ({ index, err: { code, op } }).
      const failed = [(err as { writeErrors?: unknown }).writeErrors ?? []].flat() as WriteFailure[];
      const taken = failed.map((e) => {
        if ((e.code ?? e.err?.code) !== 11000) return undefined;
        const claimKey = e.err?.op?.claimKey ?? (typeof e.index === 'number' ? docs[e.index]?.claimKey : undefined);
        return typeof claimKey === 'string' ? claimKey : undefined;
      });
      if (failed.length === 0 || taken.some((key) => key === undefined)) throw err;
      return new Set(taken as string[]);
    }
  }

  /** The entry holding a claim, if any. */
  async byClaim(claimKey: string): Promise<LogEntryDoc | null> {
    return ModerationLogModel.findOne({ claimKey }).lean();
  }

  /** One page of a site's log, newest first. */
  async list(
    siteId: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ entries: LogEntryView[]; nextCursor: string | null }> {
    const filter: Record<string, unknown> = { siteId };
    if (cursor) Object.assign(filter, afterCursor(decodeCursor(cursor), -1, 'at'));
    const page = await ModerationLogModel.find(filter)
      .sort({ at: -1, _id: -1 })
      .limit(limit + 1)
      .lean();
    const items = page.slice(0, limit);
    const last = items[items.length - 1];
    return {
      entries: items.map(toLogView),
      nextCursor: page.length > limit && last ? encodeCursor({ createdAt: last.at, id: last._id }) : null,
    };
  }
}

/** One failed insert of an unordered insertMany. */
interface WriteFailure {
  index?: unknown;
  code?: unknown;
  err?: { code?: unknown; op?: { claimKey?: unknown } };
}

/** A log entry as stored. */
function newEntry(entry: NewLogEntry, claimKey: string, at: Date): Omit<LogEntryDoc, '_id'> {
  return {
    siteId: entry.siteId,
    at,
    actorKind: entry.actor.kind,
    actorId: entry.actor.kind === 'system' ? null : entry.actor.id,
    actorName: entry.actor.kind === 'system' ? null : entry.actor.name,
    action: entry.action,
    commentId: entry.commentId ?? null,
    subjectId: entry.subjectId ?? null,
    subjectRef: entry.subjectRef ?? null,
    threadKey: entry.threadKey ?? null,
    reason: entry.reason ?? null,
    rules: entry.rules ?? [],
    until: entry.until ?? null,
    claimKey,
  };
}
