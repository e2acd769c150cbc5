import mongoose, { Schema, Types } from 'mongoose';

/** A commenter banned from writing on one site, for good or until a date. */
export interface BanDoc {
  _id: Types.ObjectId;
  siteId: string;
  commenterId: Types.ObjectId;
  reason: string;
  until: Date | null;
  createdAt: Date;
  createdBy: Types.ObjectId | null;
  liftedAt: Date | null;
}

const banSchema = new Schema<BanDoc>(
  {
    siteId: { type: String, required: true },
    commenterId: { type: Schema.Types.ObjectId, required: true },
    reason: { type: String, required: true },
    until: { type: Date, default: null },
    createdAt: { type: Date, required: true },
    createdBy: { type: Schema.Types.ObjectId, default: null },
    liftedAt: { type: Date, default: null },
  },
  { versionKey: false },
);
// The check on every write: active bans of one commenter on one site.
banSchema.index({ siteId: 1, commenterId: 1, liftedAt: 1 });

export const BanModel = mongoose.model<BanDoc>('Ban', banSchema, 'bans');
