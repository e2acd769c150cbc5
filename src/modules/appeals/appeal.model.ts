import mongoose, { Schema, Types } from 'mongoose';

/** What an appeal contests: a comment's rejection or removal, or a ban. */
export type AppealAbout = 'comment' | 'ban';
export type AppealOutcome = 'upheld' | 'reversed';

/** The decision appealed, as it stood when the appeal came in (shown beside the appeal). */
export interface AppealedDecision {
  action: 'rejected' | 'removed' | 'banned';
  reasonId: string | null;
  /** 'system' (the automated rules) or the deciding moderator's profile id. */
  by: string;
  at: Date;
  /** The moderator's own note on the decision, if any. */
  note: string | null;
}

/**
 * An appeal by a comment's author against its rejection or removal, or by a banned
 * commenter against the ban. One per decision: `decisionKey` is unique (the comment's
 * version the decision left, or the ban's id), so a second appeal, however concurrent,
 * gets 409. Its text is the appellant's personal data (personal-data-inventory.ts).
 */
export interface AppealDoc {
  _id: Types.ObjectId;
  siteId: string;
  about: AppealAbout;
  commentId: Types.ObjectId | null;
  banId: Types.ObjectId | null;
  /** The appellant's profile (the inventory finds their appeals by it). */
  commenterId: Types.ObjectId;
  /** The appellant's pseudonymous reference: a reversed ban is lifted by it. */
  subjectRef: string;
  decisionKey: string;
  text: string;
  status: 'open' | 'decided';
  original: AppealedDecision;
  decision: {
    outcome: AppealOutcome;
    reasonId: string | null;
    by: Types.ObjectId;
    at: Date;
    note: string | null;
  } | null;
  createdAt: Date;
}

const originalSchema = new Schema<AppealedDecision>(
  {
    action: { type: String, required: true },
    reasonId: { type: String, default: null },
    by: { type: String, required: true },
    at: { type: Date, required: true },
    note: { type: String, default: null },
  },
  { _id: false },
);

const decisionSchema = new Schema<NonNullable<AppealDoc['decision']>>(
  {
    outcome: { type: String, required: true },
    reasonId: { type: String, default: null },
    by: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
    note: { type: String, default: null },
  },
  { _id: false },
);

const appealSchema = new Schema<AppealDoc>(
  {
    siteId: { type: String, required: true },
    about: { type: String, enum: ['comment', 'ban'], required: true },
    commentId: { type: Schema.Types.ObjectId, default: null },
    banId: { type: Schema.Types.ObjectId, default: null },
    commenterId: { type: Schema.Types.ObjectId, ref: 'Commenter', required: true },
    subjectRef: { type: String, required: true },
    decisionKey: { type: String, required: true },
    text: { type: String, required: true },
    status: { type: String, enum: ['open', 'decided'], required: true },
    original: { type: originalSchema, required: true },
    decision: { type: decisionSchema, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// One appeal per decision.
appealSchema.index({ decisionKey: 1 }, { unique: true });
// The appeals queue (open, oldest first) and its count.
appealSchema.index({ siteId: 1, status: 1, createdAt: 1, _id: 1 });
// The author's statements (appeals of their comments) and the inventory (by profile).
appealSchema.index({ siteId: 1, commentId: 1 });
appealSchema.index({ siteId: 1, commenterId: 1 });

export const AppealModel = mongoose.model<AppealDoc>('Appeal', appealSchema, 'appeals');
