import mongoose, { Schema, Types } from 'mongoose';

export type NoticeStatus = 'received' | 'decided';
export type NoticeAction = 'removed' | 'no_action';

/** What a moderator decided on a notice (every open notice about the comment gets the same). */
export interface NoticeDecision {
  action: NoticeAction;
  reasonId: string | null;
  /** The deciding moderator's profile on the site. */
  by: Types.ObjectId | null;
  at: Date;
}

/**
 * A notice of illegal content (DSA Art. 16) about one comment, sent by anyone. It is the
 * case record: it outlives the comment (removal does not delete it) and the notifier's
 * personal data, which erasure and retention (`retention.noticeDays` after the decision)
 * delete while the reason, status and decision stay for the transparency figures.
 */
export interface NoticeDoc {
  _id: Types.ObjectId;
  siteId: string;
  commentId: Types.ObjectId;
  threadKey: string;
  reasonId: string;
  /** The notifier's words; may hold their personal data (null once erased). */
  explanation: string | null;
  notifierName: string | null;
  /** As given (lower-cased), so the notifier could be told of the decision. */
  notifierEmail: string | null;
  /** Keyed hash of the address (privacy/subject-ref.ts emailRef): export, erasure, dedupe. */
  notifierEmailRef: string | null;
  /** The sender's statement that the notice is accurate and made in good faith (Art. 16(2)(d)). */
  goodFaith: boolean;
  /** SHA-256 (hex) of the token that reads the notice's status; the token itself is never stored. */
  tokenHash: string;
  status: NoticeStatus;
  /**
   * Unique. While the notice is open: `o:<commentId>:<notifier>`, so one notifier (by
   * address, else by IP hash) has one open notice per comment, race-safely; once decided
   * (or the notifier erased) `x:<noticeId>`, which frees the notifier to send a new one.
   * FerretDB has no partial indexes, so the value is never left empty.
   */
  dedupeKey: string;
  createdAt: Date;
  decidedAt: Date | null;
  decision: NoticeDecision | null;
  /** When the notifier's data was deleted (erasure or retention). */
  notifierErasedAt: Date | null;
}

/** What erasure and retention delete of a notice: its notifier's data (the case itself stays). */
export const ERASED_NOTIFIER = {
  notifierName: null,
  notifierEmail: null,
  notifierEmailRef: null,
  explanation: null,
} as const;

const noticeSchema = new Schema<NoticeDoc>(
  {
    siteId: { type: String, required: true },
    commentId: { type: Schema.Types.ObjectId, required: true },
    threadKey: { type: String, required: true },
    reasonId: { type: String, required: true },
    explanation: { type: String, default: null },
    notifierName: { type: String, default: null },
    notifierEmail: { type: String, default: null },
    notifierEmailRef: { type: String, default: null },
    goodFaith: { type: Boolean, required: true },
    tokenHash: { type: String, required: true },
    status: { type: String, enum: ['received', 'decided'], required: true },
    dedupeKey: { type: String, required: true },
    createdAt: { type: Date, required: true },
    decidedAt: { type: Date, default: null },
    decision: {
      type: new Schema(
        {
          action: { type: String, enum: ['removed', 'no_action'], required: true },
          reasonId: { type: String, default: null },
          by: { type: Schema.Types.ObjectId, ref: 'Commenter', default: null },
          at: { type: Date, required: true },
        },
        { _id: false },
      ),
      default: null,
    },
    notifierErasedAt: { type: Date, default: null },
  },
  { versionKey: false },
);
noticeSchema.index({ dedupeKey: 1 }, { unique: true });
// The notices queue: a site's open notices, oldest first.
noticeSchema.index({ siteId: 1, status: 1, createdAt: 1, _id: 1 });
// The open notices about one comment (counted in the queue, decided together).
noticeSchema.index({ siteId: 1, commentId: 1, status: 1 });
// A notifier's notices by their address's keyed hash (export and erasure).
noticeSchema.index({ siteId: 1, notifierEmailRef: 1 });
// Retention: decided notices whose notifier data is due to go.
noticeSchema.index({ status: 1, decidedAt: 1 });

export const NoticeModel = mongoose.model<NoticeDoc>('Notice', noticeSchema, 'notices');
