import { randomBytes } from 'node:crypto';
import type { Identity } from '../auth/commenter-token';
import type { CommenterService } from '../commenters/commenter.service';
import type { Site } from '../sites/site.service';
import { AppError } from '../../shared/errors';
import { isDuplicateKey } from '../../infra/mongo';
import { MailSubscriptionModel } from './mail-subscription.model';

/** Why mail is not offered to a commenter, when it is not. */
export type NotOffered = 'no_email' | 'site_off' | 'mail_off';

/** A commenter's mail choices as the API shows them. */
export interface MailChoices {
  offered: boolean;
  notOffered: NotOffered | null;
  replies: boolean;
  decisions: boolean;
}

export function newSubscriptionId(): string {
  return `msub_${randomBytes(16).toString('base64url')}`;
}

/**
 * Commenters' opt-ins to mail. Offered only when the site allows it
 * (notifications.commenterMails), mail is configured (SMTP_URL) and the host's token
 * carries an e-mail address; everything is off until the commenter turns it on.
 */
export class MailSubscriptionService {
  constructor(
    private readonly commenters: CommenterService,
    private readonly mailConfigured: boolean,
  ) {}

  notOffered(site: Site, identity: Identity): NotOffered | null {
    if (!this.mailConfigured) return 'mail_off';
    if (!site.config.notifications.commenterMails) return 'site_off';
    if (!identity.email) return 'no_email';
    return null;
  }

  async choices(site: Site, identity: Identity): Promise<MailChoices> {
    const notOffered = this.notOffered(site, identity);
    const profile = await this.commenters.find(site.id, identity.sub);
    const sub = profile
      ? await MailSubscriptionModel.findOne({ siteId: site.id, commenterId: profile._id }).lean()
      : null;
    return {
      offered: notOffered === null,
      notOffered,
      // A choice stored before the site turned mail off (or the host stopped sending the
      // address) is shown as it is stored, and nothing is sent while it lasts.
      replies: sub?.replies ?? false,
      decisions: sub?.decisions ?? false,
    };
  }

  /**
   * Changes the commenter's choices. Turning something on needs mail to be offered
   * (403 FORBIDDEN, `details.reason`); turning things off always works. With both off the
   * subscription is deleted.
   */
  async change(
    site: Site,
    identity: Identity,
    wanted: { replies?: boolean; decisions?: boolean },
  ): Promise<MailChoices> {
    const notOffered = this.notOffered(site, identity);
    if (notOffered && (wanted.replies || wanted.decisions)) throw new AppError('FORBIDDEN', { reason: notOffered });
    const existing = await this.commenters.find(site.id, identity.sub);
    // Opting in stores the profile (with the token's address) if this is the first write.
    const profile = notOffered ? existing : await this.commenters.upsert(identity, existing);
    if (!profile) return this.choices(site, identity);
    const filter = { siteId: site.id, commenterId: profile._id };
    const now = new Date();
    const current = await MailSubscriptionModel.findOne(filter).lean();
    const replies = wanted.replies ?? current?.replies ?? false;
    const decisions = wanted.decisions ?? current?.decisions ?? false;
    if (!replies && !decisions) {
      await MailSubscriptionModel.deleteOne(filter);
    } else {
      try {
        await MailSubscriptionModel.updateOne(
          filter,
          { $set: { replies, decisions, updatedAt: now }, $setOnInsert: { _id: newSubscriptionId(), createdAt: now } },
          { upsert: true },
        );
      } catch (err) {
        // Two first choices at once: the unique index lets one insert win; set on it.
        if (!isDuplicateKey(err)) throw err;
        await MailSubscriptionModel.updateOne(filter, { $set: { replies, decisions, updatedAt: now } });
      }
    }
    return this.choices(site, identity);
  }

  /** Ends the subscription a verified unsubscribe link names; answers whether there was one. */
  async unsubscribe(subscriptionId: string): Promise<{ siteId: string } | null> {
    // Read, then delete (FerretDB has no findOneAndDelete with these options); a repeat finds nothing.
    const sub = await MailSubscriptionModel.findById(subscriptionId, { siteId: 1 }).lean();
    if (!sub) return null;
    await MailSubscriptionModel.deleteOne({ _id: subscriptionId });
    return { siteId: sub.siteId };
  }
}
