import mongoose, { Schema, Types } from 'mongoose';

/**
 * Remembers which comment an Idempotency-Key produced, per commenter, so a retried POST
 * returns the first comment. The key is stored hashed: clients may put anything in it.
 */
export interface IdempotencyDoc {
  _id: Types.ObjectId;
  siteId: string;
  authorId: Types.ObjectId;
  keyHash: string;
  commentId: Types.ObjectId;
  createdAt: Date;
}

const idempotencySchema = new Schema<IdempotencyDoc>(
  {
    siteId: { type: String, required: true },
    authorId: { type: Schema.Types.ObjectId, ref: 'Commenter', required: true },
    keyHash: { type: String, required: true },
    commentId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
idempotencySchema.index({ siteId: 1, authorId: 1, keyHash: 1 }, { unique: true });
// Clean-up of old records (no TTL index: FerretDB lacks them).
idempotencySchema.index({ createdAt: 1 });

export const IdempotencyModel = mongoose.model<IdempotencyDoc>('IdempotencyKey', idempotencySchema, 'idempotency_keys');
