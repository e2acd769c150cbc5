import mongoose, { Schema, Types } from 'mongoose';
import { refusalChangesPlugin } from '../../infra/refusal-changes';

/**
 * A commenter banned from writing on one site, for good or until a date. The ban names
 * its subject by the pseudonymous reference (keyed hash of site and host user id), not
 * by profile: erasing the profile does not lift it, and it holds no personal data.
 */
export interface BanDoc {
  _id: Types.ObjectId;
  siteId: string;
  subjectRef: string;
  /** The profile banned, while it exists (erasure clears it). */
  commenterId: Types.ObjectId | null;
  reason: string;
  /** The site's reason the ban rests on (null for bans made before reasons existed). */
  reasonId: string | null;
  until: Date | null;
  createdAt: Date;
  createdBy: Types.ObjectId | null;
  liftedAt: Date | null;
}

const banSchema = new Schema<BanDoc>(
  {
    siteId: { type: String, required: true },
    subjectRef: { type: String, required: true },
    commenterId: { type: Schema.Types.ObjectId, ref: 'Commenter', default: null },
    reason: { type: String, required: true },
    reasonId: { type: String, default: null },
    until: { type: Date, default: null },
    createdAt: { type: Date, required: true },
    createdBy: { type: Schema.Types.ObjectId, ref: 'Commenter', default: null },
    liftedAt: { type: Date, default: null },
  },
  { versionKey: false },
);
// The check on every write: active bans of one subject on one site, and (by its prefix)
// the site's bans in force that the refusal cache holds.
banSchema.index({ siteId: 1, subjectRef: 1, liftedAt: 1 });

// Writes are checked against bans from each process's refusal cache; every write announces its site.
banSchema.plugin(refusalChangesPlugin);

export const BanModel = mongoose.model<BanDoc>('Ban', banSchema, 'bans');
