import { Types } from 'mongoose';
import type { Identity } from '../auth/commenter-token';
import type { CommenterService } from '../commenters/commenter.service';
import { afterCursor, decodeCursor, encodeCursor } from '../../shared/cursor';
import type { RuleHit } from '../comments/comment.model';
import { LogAction, LogEntryDoc, ModerationLogModel } from './moderation-log.model';
import { LogEntryView, toLogView } from './moderation-log.view';
import { duplicateIndexes, isDuplicateKey } from '../../infra/mongo';

/** Who acted: the system (automated rules), a moderator, or the comment's author (an edit). */
export type Actor = { kind: 'system' } | { kind: 'moderator' | 'author'; id: Types.ObjectId; name: string };

/** Who a log entry names: an actor, or someone who sent a notice (never named). */
export type LogActor = Actor | { kind: 'notifier' };

export interface NewLogEntry {
  siteId: string;
  actor: LogActor;
  action: LogAction;
  commentId?: Types.ObjectId | null;
  subjectId?: Types.ObjectId | null;
  /** For a subject whose profile is erased: the pseudonymous reference instead. */
  subjectRef?: string | null;
  threadKey?: string | null;
  reason?: string | null;
  reasonId?: string | null;
  rules?: RuleHit[];
  until?: Date | null;
  noticeId?: Types.ObjectId | null;
  appealId?: Types.ObjectId | null;
  outcome?: LogEntryDoc['outcome'];
  /** Unique; defaults to a fresh id. Decisions pass `c:<commentId>:v<version>`. */
  claimKey?: string;
  /** When it happened; defaults to now (a case entry recorded later, or a test, may give another). */
  at?: Date;
}

/** A moderator as the log records them: their profile on the site (created on first action). */
export async function moderatorActor(
  commenters: CommenterService,
  identity: Identity,
): Promise<Actor & { kind: 'moderator' }> {
  const profile = await commenters.upsert(identity);
  return { kind: 'moderator', id: profile._id, name: profile.name };
}

/** The stored form of a new entry (defaults filled in, a fresh claim key unless one is given). */
function toLogDoc(entry: NewLogEntry): Omit<LogEntryDoc, '_id'> {
  return {
    siteId: entry.siteId,
    at: entry.at ?? new Date(),
    actorKind: entry.actor.kind,
    actorId: 'id' in entry.actor ? entry.actor.id : null,
    actorName: 'name' in entry.actor ? entry.actor.name : null,
    action: entry.action,
    commentId: entry.commentId ?? null,
    subjectId: entry.subjectId ?? null,
    subjectRef: entry.subjectRef ?? null,
    threadKey: entry.threadKey ?? null,
    reason: entry.reason ?? null,
    reasonId: entry.reasonId ?? null,
    rules: entry.rules ?? [],
    until: entry.until ?? null,
    noticeId: entry.noticeId ?? null,
    appealId: entry.appealId ?? null,
    outcome: entry.outcome ?? null,
    claimKey: entry.claimKey ?? `e:${new Types.ObjectId().toHexString()}`,
  };
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
    const doc = toLogDoc(entry);
    try {
      return (await ModerationLogModel.create(doc)).toObject();
    } catch (err) {
      if (isDuplicateKey(err)) throw new ClaimTaken(doc.claimKey);
      throw err;
    }
  }

  /**
   * Appends entries with one insert, in no particular order. Answers for each with the
   * entry as appended, or null when its claim key existed already (the others are
   * appended all the same). Any other failure throws, and some of the entries may have
   * been appended.
   */
  async appendMany(entries: readonly NewLogEntry[]): Promise<Array<LogEntryDoc | null>> {
    if (entries.length === 0) return [];
    if (entries.length === 1) {
      try {
        return [await this.append(entries[0]!)];
      } catch (err) {
        if (err instanceof ClaimTaken) return [null];
        throw err;
      }
    }
    const docs = entries.map((entry) => ({ _id: new Types.ObjectId(), ...toLogDoc(entry) }));
    try {
      // lean: the entries are complete as toLogDoc builds them, so mongoose neither casts
      // nor makes documents of them (that cost more than the insert's round trip).
      await ModerationLogModel.insertMany(docs, { ordered: false, lean: true });
      return docs;
    } catch (err) {
      const taken = duplicateIndexes(err);
      if (!taken) throw err;
      return docs.map((doc, i) => (taken.has(i) ? null : doc));
    }
  }

  /**
   * Appends entries that each hold a claim, in one insert: every claim whose key is free
   * is taken, whatever happens to the others. Returns the keys that were taken already,
   * which the caller handles one by one as after append's ClaimTaken.
   */
  async appendClaims(entries: Array<NewLogEntry & { claimKey: string }>): Promise<Set<string>> {
    const appended = await this.appendMany(entries);
    return new Set(entries.filter((_, i) => appended[i] === null).map((e) => e.claimKey));
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
