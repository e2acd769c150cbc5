import mongoose, { Schema, Types } from 'mongoose';
import type { RuleHit } from '../comments/comment.model';

export type LogAction =
  | 'published'
  | 'held'
  | 'rejected'
  | 'approved'
  | 'edited'
  | 'removed'
  | 'banned'
  | 'unbanned'
  | 'thread_closed'
  | 'thread_reopened'
  | 'notice_received'
  | 'notice_decided'
  | 'appeal_received'
  | 'appeal_decided';

/** What came of a notice (the comment removed, or no action) or of an appeal (the decision upheld or reversed). */
export type CaseOutcome = 'removed' | 'no_action' | 'upheld' | 'reversed';

/**
 * One entry of the append-only moderation log: who (a moderator or `system`), what, when,
 * why. Entries are only ever inserted. `claimKey` is unique: for a decision on a comment it
 * is `c:<commentId>:v<version>`, so two deciders of the same version cannot both win,
 * on MongoDB and on FerretDB alike (no transactions needed).
 */
export interface LogEntryDoc {
  _id: Types.ObjectId;
  siteId: string;
  at: Date;
  /** `notifier`: someone who sent a notice of illegal content (never named in the log). */
  actorKind: 'system' | 'moderator' | 'author' | 'notifier';
  actorId: Types.ObjectId | null;
  actorName: string | null;
  action: LogAction;
  commentId: Types.ObjectId | null;
  /** The commenter the action concerns (author of the comment, or the banned commenter). */
  subjectId: Types.ObjectId | null;
  /** Set when the subject's data was erased: the pseudonymous reference replaces subjectId. */
  subjectRef: string | null;
  threadKey: string | null;
  reason: string | null;
  /** The site's reason (see src/modules/reasons/) the decision rests on; null for actions that need none. */
  reasonId: string | null;
  rules: RuleHit[];
  until: Date | null;
  /** The notice or appeal a case entry belongs to (notice_* and appeal_* entries). */
  noticeId: Types.ObjectId | null;
  appealId: Types.ObjectId | null;
  outcome: CaseOutcome | null;
  claimKey: string;
}

const logSchema = new Schema<LogEntryDoc>(
  {
    siteId: { type: String, required: true },
    at: { type: Date, required: true },
    actorKind: { type: String, enum: ['system', 'moderator', 'author', 'notifier'], required: true },
    actorId: { type: Schema.Types.ObjectId, ref: 'Commenter', default: null },
    actorName: { type: String, default: null },
    action: { type: String, required: true },
    commentId: { type: Schema.Types.ObjectId, default: null },
    subjectId: { type: Schema.Types.ObjectId, ref: 'Commenter', default: null },
    subjectRef: { type: String, default: null },
    threadKey: { type: String, default: null },
    reason: { type: String, default: null },
    reasonId: { type: String, default: null },
    rules: { type: [{ rule: String, action: String, detail: String, _id: false }], default: [] },
    until: { type: Date, default: null },
    noticeId: { type: Schema.Types.ObjectId, default: null },
    appealId: { type: Schema.Types.ObjectId, default: null },
    outcome: { type: String, default: null },
    claimKey: { type: String, required: true },
  },
  { versionKey: false },
);
// The claim that makes decisions race-safe.
logSchema.index({ claimKey: 1 }, { unique: true });
// Reading the log per site, newest first, with a cursor.
logSchema.index({ siteId: 1, at: -1, _id: -1 });
// A comment's history (decisions about one comment; erasure finds a subject's entries).
logSchema.index({ siteId: 1, commentId: 1 });
logSchema.index({ siteId: 1, subjectId: 1 });
logSchema.index({ siteId: 1, actorId: 1 });

export const ModerationLogModel = mongoose.model<LogEntryDoc>('ModerationLogEntry', logSchema, 'moderation_log');
