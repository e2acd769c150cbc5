import mongoose, { Schema, Types } from 'mongoose';

/**
 * One mail sent, under a key made of what it is about and who it went to (the recipient
 * as a keyed hash, never the address). The key is the _id, so a job that runs again, or
 * two at once, sends each mail once: the insert is the claim. Deleted by retention after
 * the site's notifications.sentMailRetentionDays. A mail to a commenter also names their
 * profile (`commenterId`), so that their export shows it and their erasure deletes it;
 * mail to staff (moderators, privacy contacts) names nobody.
 */
export interface SentMailDoc {
  _id: string;
  siteId: string;
  kind: string;
  at: Date;
  commenterId?: Types.ObjectId | null;
}

const sentMailSchema = new Schema<SentMailDoc>(
  {
    _id: { type: String, required: true },
    siteId: { type: String, required: true },
    kind: { type: String, required: true },
    at: { type: Date, required: true },
    commenterId: { type: Schema.Types.ObjectId, ref: 'Commenter', default: null },
  },
  { versionKey: false },
);
// Retention deletes a site's records older than its setting.
sentMailSchema.index({ siteId: 1, at: 1 });

export const SentMailModel = mongoose.model<SentMailDoc>('SentMail', sentMailSchema, 'sent_mail');
