import mongoose, { Schema, Types } from 'mongoose';

/**
 * The moderation outbox: one entry per comment revision whose job may not be on the
 * queue yet. Written before the comment, removed once Redis has the job. It lives in
 * its own collection so that the API never writes the comment document while a worker
 * may be deciding it (FerretDB 1.x loses one of two concurrent updates of a document).
 */
export interface OutboxDoc {
  _id: Types.ObjectId;
  commentId: Types.ObjectId;
  revision: number;
  createdAt: Date;
}

const outboxSchema = new Schema<OutboxDoc>(
  {
    commentId: { type: Schema.Types.ObjectId, required: true },
    revision: { type: Number, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// The sweeper takes the oldest entries first.
outboxSchema.index({ createdAt: 1 });
// Removal once enqueued, and erasure of a subject's entries.
outboxSchema.index({ commentId: 1, revision: 1 });

export const OutboxModel = mongoose.model<OutboxDoc>('OutboxEntry', outboxSchema, 'moderation_outbox');
