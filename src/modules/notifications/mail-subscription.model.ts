import mongoose, { Schema, Types } from 'mongoose';

/**
 * A commenter's opt-in to mail on one site: `replies` (someone replied to their comment)
 * and `decisions` (their comment was published after a wait, or was rejected). One per
 * site and commenter profile. It holds no address: the mail goes to the profile's `email`
 * as the host's latest token gave it, read when the mail is sent, so a profile without
 * one gets nothing. Without any flag set the document is deleted, and so is it by the
 * one-click unsubscribe link (which names its `_id`) and by erasure.
 */
export interface MailSubscriptionDoc {
  /** Random, and named by the unsubscribe link (with its HMAC): `msub_` and 22 base64url characters. */
  _id: string;
  siteId: string;
  commenterId: Types.ObjectId;
  replies: boolean;
  decisions: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const mailSubscriptionSchema = new Schema<MailSubscriptionDoc>(
  {
    _id: { type: String, required: true },
    siteId: { type: String, required: true },
    commenterId: { type: Schema.Types.ObjectId, ref: 'Commenter', required: true },
    replies: { type: Boolean, required: true },
    decisions: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// One per site and profile; the mail consumer looks the recipients up by it.
mailSubscriptionSchema.index({ siteId: 1, commenterId: 1 }, { unique: true });

export const MailSubscriptionModel = mongoose.model<MailSubscriptionDoc>(
  'MailSubscription',
  mailSubscriptionSchema,
  'mail_subscriptions',
);
