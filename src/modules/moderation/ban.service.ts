import { AppError, notFound } from '../../http/errors';
import type { CommenterDoc } from '../commenters/commenter.model';
import type { CommenterService } from '../commenters/commenter.service';
import { BanDoc, BanModel } from './ban.model';
import type { Actor, ModerationLogService } from './moderation-log.service';

/** Bans: a banned commenter gets 403 BANNED on every write on the site. */
export class BanService {
  constructor(private readonly commenters: CommenterService, private readonly log: ModerationLogService) {}

  /** The ban in force for a commenter, if any. */
  async active(siteId: string, commenterId: CommenterDoc['_id']): Promise<BanDoc | null> {
    return BanModel.findOne({
      siteId, commenterId, liftedAt: null,
      $or: [{ until: null }, { until: { $gt: new Date() } }],
    }).lean();
  }

  /** Throws 403 BANNED when the commenter is banned on the site. */
  async assertNotBanned(siteId: string, commenterId: CommenterDoc['_id']): Promise<void> {
    const ban = await this.active(siteId, commenterId);
    if (ban) throw new AppError('BANNED', { until: ban.until ? ban.until.toISOString() : null });
  }

  /** Bans the commenter with this host user id; replaces any ban in force. */
  async ban(siteId: string, sub: string, reason: string, until: Date | null, actor: Actor & { kind: 'moderator' }): Promise<BanDoc> {
    const target = await this.commenters.find(siteId, sub);
    if (!target) throw notFound('commenter');
    const now = new Date();
    await BanModel.updateMany({ siteId, commenterId: target._id, liftedAt: null }, { $set: { liftedAt: now } });
    const ban = await BanModel.create({ siteId, commenterId: target._id, reason, until, createdAt: now, createdBy: actor.id, liftedAt: null });
    await this.log.append({ siteId, actor, action: 'banned', subjectId: target._id, reason, until });
    return ban.toObject();
  }

  /** Lifts the bans in force; 404 when there is none. */
  async lift(siteId: string, sub: string, actor: Actor & { kind: 'moderator' }): Promise<void> {
    const target = await this.commenters.find(siteId, sub);
    if (!target) throw notFound('commenter');
    const result = await BanModel.updateMany({ siteId, commenterId: target._id, liftedAt: null }, { $set: { liftedAt: new Date() } });
    if (result.modifiedCount === 0) throw notFound('ban');
    await this.log.append({ siteId, actor, action: 'unbanned', subjectId: target._id });
  }
}
