import mongoose, { Schema, Types } from 'mongoose';
import { siteChangesPlugin } from '../../infra/site-changes';

/**
 * A commenter's profile on one site: only what the host's login tells us and we need.
 * The email is kept only when the host sends it.
 */
export interface CommenterDoc {
  _id: Types.ObjectId;
  siteId: string;
  sub: string;
  name: string;
  email: string | null;
  createdAt: Date;
  lastSeenAt: Date;
}

const commenterSchema = new Schema<CommenterDoc>(
  {
    siteId: { type: String, required: true },
    sub: { type: String, required: true },
    name: { type: String, required: true },
    email: { type: String, default: null },
    createdAt: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// Login lookup (site + host user id); erasure by email uses the second index.
commenterSchema.index({ siteId: 1, sub: 1 }, { unique: true });
commenterSchema.index({ siteId: 1, email: 1 });

// Public pages are cached; every write here announces its site so they are dropped.
// Readers see a profile only as the name on its comments: other changes are hidden ones.
commenterSchema.plugin(siteChangesPlugin, { visibleFields: ['name'] });

export const CommenterModel = mongoose.model<CommenterDoc>('Commenter', commenterSchema, 'commenters');
