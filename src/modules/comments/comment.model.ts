import mongoose, { Schema, Types } from 'mongoose';

export type CommentStatus = 'pending' | 'published' | 'rejected' | 'removed';

/** What an automated rule or a person decided, kept on the comment for moderators. */
export interface ModerationNote {
  by: string; // 'system' or the moderator's profile id
  action: string;
  reason: string | null;
  at: Date;
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
  /** Outbox flag: true until the moderation job for this revision is on the queue. */
  needsEnqueue: boolean;
  ipHash: string | null;
  moderation: ModerationNote[];
  replyCount: number;
  createdAt: Date;
  editedAt: Date | null;
  updatedAt: Date;
}

const noteSchema = new Schema<ModerationNote>(
  { by: String, action: String, reason: { type: String, default: null }, at: Date },
  { _id: false },
);

const commentSchema = new Schema<CommentDoc>(
  {
    siteId: { type: String, required: true },
    threadKey: { type: String, required: true },
    parentId: { type: Schema.Types.ObjectId, default: null },
    authorId: { type: Schema.Types.ObjectId, default: null },
    body: { type: String, default: '' },
    status: { type: String, enum: ['pending', 'published', 'rejected', 'removed'], required: true },
    revision: { type: Number, default: 1 },
    needsEnqueue: { type: Boolean, default: true },
    ipHash: { type: String, default: null },
    moderation: { type: [noteSchema], default: [] },
    replyCount: { type: Number, default: 0 },
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
// The outbox sweeper: comments whose moderation job is not on the queue yet.
commentSchema.index({ needsEnqueue: 1, updatedAt: 1 });

export const CommentModel = mongoose.model<CommentDoc>('Comment', commentSchema, 'comments');
