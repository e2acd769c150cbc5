import mongoose, { Schema, Types } from 'mongoose';
import { siteChangesPlugin } from '../../infra/site-changes';

export type CommentStatus = 'pending' | 'published' | 'rejected' | 'removed';

/** A rule that fired on this revision, and why: shown to moderators. */
export interface RuleHit {
  rule: string;
  action: 'reject' | 'hold';
  detail: string | null;
}

/**
 * A comment. The author is referenced by profile id; the display name lives only on the
 * profile, so erasing a commenter has one place to clean.
 */
export interface CommentDoc {
  _id: Types.ObjectId;
  siteId: string;
  threadKey: string;
  parentId: Types.ObjectId | null;
  authorId: Types.ObjectId | null;
  body: string;
  status: CommentStatus;
  /** Increments on every edit; moderation jobs are keyed by comment id and revision. */
  revision: number;
  /** Increments on every change of text or status: moderators' decisions name it (optimistic concurrency). */
  version: number;
  /** Pending and waiting for a person (held by a rule or by pre-moderation). */
  held: boolean;
  /** Rules that fired on the current revision. */
  rules: RuleHit[];
  /**
   * Removed by a moderator and hidden from every reader but its author, as nothing replies
   * to it (see comment-withholding.ts). A removed comment others replied to is shown to
   * them as a tombstone instead.
   */
  withheld: boolean;
  /** The site's reason for the last rejection or hold (a rule's mapped reason, or a moderator's choice). */
  reasonId: string | null;
  decidedAt: Date | null;
  /** 'system' or the deciding moderator's profile id. */
  decidedBy: string | null;
  ipHash: string | null;
  createdAt: Date;
  editedAt: Date | null;
  updatedAt: Date;
}

const ruleHitSchema = new Schema<RuleHit>(
  { rule: String, action: String, detail: { type: String, default: null } },
  { _id: false },
);

const commentSchema = new Schema<CommentDoc>(
  {
    siteId: { type: String, required: true },
    threadKey: { type: String, required: true },
    parentId: { type: Schema.Types.ObjectId, default: null },
    authorId: { type: Schema.Types.ObjectId, ref: 'Commenter', default: null },
    body: { type: String, default: '' },
    status: { type: String, enum: ['pending', 'published', 'rejected', 'removed'], required: true },
    revision: { type: Number, default: 1 },
    version: { type: Number, default: 1 },
    held: { type: Boolean, default: false },
    rules: { type: [ruleHitSchema], default: [] },
    withheld: { type: Boolean, default: false },
    reasonId: { type: String, default: null },
    decidedAt: { type: Date, default: null },
    decidedBy: { type: String, default: null },
    ipHash: { type: String, default: null },
    createdAt: { type: Date, required: true },
    editedAt: { type: Date, default: null },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// Thread listing (top level and replies), oldest or newest first, with cursor on (createdAt, _id).
commentSchema.index({ siteId: 1, threadKey: 1, parentId: 1, createdAt: 1, _id: 1 });
// Published count per thread.
commentSchema.index({ siteId: 1, threadKey: 1, status: 1 });
// A commenter's own comments (own pending in lists, export, erasure).
commentSchema.index({ siteId: 1, authorId: 1, createdAt: 1 });
// Moderation queues (status, then residual held / reported ids / thread filters) and their counts.
commentSchema.index({ siteId: 1, status: 1, createdAt: 1, _id: 1 });
// Retention: IP hashes and rejected comments past their period, per site.
commentSchema.index({ siteId: 1, createdAt: 1 });

// Public pages are cached; every write here announces its site so they are dropped. A
// comment only its author sees (pending, rejected) renews only what authors see.
commentSchema.plugin(siteChangesPlugin, { hiddenStatuses: ['pending', 'rejected'] });

export const CommentModel = mongoose.model<CommentDoc>('Comment', commentSchema, 'comments');
