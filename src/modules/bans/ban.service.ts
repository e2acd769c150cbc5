import { AppError, notFound } from '../../shared/errors';
import type { CommenterService } from '../commenters/commenter.service';
import { subjectRef } from '../privacy/subject-ref';
import { BanDoc, BanModel } from './ban.model';
import type { Actor, ModerationLogService } from '../moderation-log/moderation-log.service';

/**
 * Bans: a banned commenter gets 403 BANNED on every write on the site. Bans are found by
 * the subject's pseudonymous reference, computed from the host user id of the token, so
 * a ban holds across an erasure of the profile and a new login.
 */
export class BanService {
  constructor(
    private readonly commenters: CommenterService,
    private readonly log: ModerationLogService,
    private readonly secret: string,
  ) {}

  /** The ban in force for a host user id, if any. */
  async active(siteId: string, sub: string): Promise<BanDoc | null> {
    return BanModel.findOne({
      siteId,
      subjectRef: subjectRef(this.secret, siteId, sub),
      liftedAt: null,
      $or: [{ until: null }, { until: { $gt: new Date() } }],
    }).lean();
  }

  /** Throws 403 BANNED when the host user id is banned on the site. Reads only. */
  async assertNotBanned(siteId: string, sub: string): Promise<void> {
    const ban = await this.active(siteId, sub);
    if (ban) throw new AppError('BANNED', { until: ban.until ? ban.until.toISOString() : null });
  }

  /** Bans the commenter with this host user id; replaces any ban in force. */
  async ban(
    siteId: string,
    sub: string,
    reason: string,
    until: Date | null,
    actor: Actor & { kind: 'moderator' },
  ): Promise<BanDoc> {
    const target = await this.commenters.find(siteId, sub);
    if (!target) throw notFound('commenter');
    const ref = subjectRef(this.secret, siteId, sub);
    const now = new Date();
    await BanModel.updateMany({ siteId, subjectRef: ref, liftedAt: null }, { $set: { liftedAt: now } });
    const ban = await BanModel.create({
      siteId,
      subjectRef: ref,
      commenterId: target._id,
      reason,
      until,
      createdAt: now,
      createdBy: actor.id,
      liftedAt: null,
    });
    await this.log.append({ siteId, actor, action: 'banned', subjectId: target._id, reason, until });
    return ban.toObject();
  }

  /**
   * Lifts the bans in force; 404 when there is none. Works after the subject's erasure
   * too (the ban is found by reference; the log entry then names the reference).
   */
  async lift(siteId: string, sub: string, actor: Actor & { kind: 'moderator' }): Promise<void> {
    const ref = subjectRef(this.secret, siteId, sub);
    const result = await BanModel.updateMany(
      { siteId, subjectRef: ref, liftedAt: null },
      { $set: { liftedAt: new Date() } },
    );
    if (result.modifiedCount === 0) throw notFound('ban');
    const target = await this.commenters.find(siteId, sub);
    await this.log.append({
      siteId,
      actor,
      action: 'unbanned',
      subjectId: target?._id ?? null,
      subjectRef: target ? null : ref,
    });
  }
}
