import type { Types } from 'mongoose';
import { AppError, notFound } from '../../shared/errors';
import { logCause, recordEvents } from '../events/record-events';
import type { RefusalCache, RefusalView } from '../../infra/refusal-cache';
import type { CommenterService } from '../commenters/commenter.service';
import { subjectRef } from '../privacy/subject-ref';
import { BanDoc, BanModel } from './ban.model';
import type { Actor, ModerationLogService } from '../moderation-log/moderation-log.service';

/** Bans of one site held as one list in the refusal cache; a site with more is checked subject by subject. */
const SITE_BAN_LIST_MAX = 500;

/** What the check needs of a ban in force. */
type BanInForce = Pick<BanDoc, 'subjectRef' | 'until'>;

/**
 * Bans: a banned commenter gets 403 BANNED on every write on the site. Bans are found by
 * the subject's pseudonymous reference, computed from the host user id of the token, so
 * a ban holds across an erasure of the profile and a new login.
 *
 * The check on every write comes from the refusal cache: a site's bans in force are one
 * list there (mostly empty), so a write costs no database read for it; every ban and
 * lift renews the site's token before it answers (refusal-changes.ts on the model).
 */
export class BanService {
  constructor(
    private readonly commenters: CommenterService,
    private readonly log: ModerationLogService,
    private readonly secret: string,
    private readonly refusals: RefusalCache,
  ) {}

  /** The ban in force for a host user id, if any, from the database. */
  async active(siteId: string, sub: string): Promise<BanDoc | null> {
    return BanModel.findOne({
      siteId,
      subjectRef: subjectRef(this.secret, siteId, sub),
      liftedAt: null,
      $or: [{ until: null }, { until: { $gt: new Date() } }],
    }).lean();
  }

  /**
   * Throws 403 BANNED when the host user id is banned on the site. Reads only, and from
   * the refusal cache: pass the request's view when it has one.
   */
  async assertNotBanned(siteId: string, sub: string, view?: RefusalView): Promise<void> {
    const facts = view ?? (await this.refusals.view(siteId));
    const ref = subjectRef(this.secret, siteId, sub);
    const listed = await facts.get('bans', '', () => bansInForce(siteId));
    // A ban that runs out is in the list until the next reload: the clock decides here.
    const inForce = (b: BanInForce | null | undefined) => !!b && (b.until === null || b.until.getTime() > Date.now());
    const ban = listed
      ? listed.find((b) => b.subjectRef === ref && inForce(b))
      : await facts.get('ban', ref, async () => {
          const doc = await this.active(siteId, sub);
          return doc ? { subjectRef: doc.subjectRef, until: doc.until } : null;
        });
    if (ban && inForce(ban)) throw new AppError('BANNED', { until: ban.until ? ban.until.toISOString() : null });
  }

  /** Bans the commenter with this host user id; replaces any ban in force. */
  async ban(
    siteId: string,
    sub: string,
    { reason, reasonId }: { reason: string; reasonId: string },
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
      reasonId,
      until,
      createdAt: now,
      createdBy: actor.id,
      liftedAt: null,
    });
    const entry = await this.log.append({
      siteId,
      actor,
      action: 'banned',
      subjectId: target._id,
      reason,
      reasonId,
      until,
    });
    // The event names the ban, never the commenter: a host that needs to know whom asks the admin API.
    await recordEvents([
      {
        type: 'commenter.banned',
        siteId,
        cause: logCause(entry),
        data: { banId: String(ban._id), reasonId, until: until?.toISOString() ?? null },
      },
    ]);
    // The ban holds in every process once this answers, or the moderator hears it may not yet.
    await this.refusals.confirm(siteId);
    return ban.toObject();
  }

  /**
   * Lifts the bans in force; 404 when there is none. Works after the subject's erasure
   * too (the ban is found by reference; the log entry then names the reference).
   */
  async lift(siteId: string, sub: string, actor: Actor & { kind: 'moderator' }): Promise<void> {
    await this.liftRef(siteId, subjectRef(this.secret, siteId, sub), actor);
  }

  /** Lifts the bans in force of a subject known by reference (an appeal knows no more); 404 when none. */
  async liftRef(
    siteId: string,
    ref: string,
    actor: Actor & { kind: 'moderator' },
    details: { reason?: string; appealId?: Types.ObjectId } = {},
  ): Promise<void> {
    const inForce = await BanModel.find({ siteId, subjectRef: ref, liftedAt: null }, { _id: 1, commenterId: 1 }).lean();
    const result = await BanModel.updateMany(
      { siteId, subjectRef: ref, liftedAt: null },
      { $set: { liftedAt: new Date() } },
    );
    if (result.modifiedCount === 0) throw notFound('ban');
    const subjectId = inForce.find((b) => b.commenterId)?.commenterId ?? null;
    const entry = await this.log.append({
      siteId,
      actor,
      action: 'unbanned',
      subjectId,
      subjectRef: subjectId ? null : ref,
      reason: details.reason ?? null,
      appealId: details.appealId ?? null,
    });
    await recordEvents([
      {
        type: 'commenter.unbanned',
        siteId,
        cause: logCause(entry),
        data: { banIds: inForce.map((b) => String(b._id)) },
      },
    ]);
    await this.refusals.confirm(siteId);
  }
}

/** The site's bans in force, or null when there are more than one list holds. */
async function bansInForce(siteId: string): Promise<BanInForce[] | null> {
  const bans = await BanModel.find(
    { siteId, liftedAt: null, $or: [{ until: null }, { until: { $gt: new Date() } }] },
    { _id: 0, subjectRef: 1, until: 1 },
  )
    .limit(SITE_BAN_LIST_MAX + 1)
    .lean();
  return bans.length > SITE_BAN_LIST_MAX ? null : bans;
}
