import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError, notFound } from '../../shared/errors';
import type { Identity } from '../auth/commenter-token';
import type { CommenterDoc } from '../commenters/commenter.model';
import type { WriteRateLimit } from '../comments/write-rate-limit';
import type { CommenterService } from '../commenters/commenter.service';
import type { Site } from '../sites/site.service';
import { ErasureRequestDoc, ErasureRequestModel, ErasureStatus } from './erasure-request.model';
import type { ErasureQueue } from './erasure.queue';
import { subjectByEmailAlone } from './export.service';
import type { DataSubject } from './personal-data-inventory';
import { emailRef, subjectRef } from './subject-ref';

/** A request due this long without a job in Redis is scheduled again by the sweeper. */
const SWEEP_AFTER_MS = 60_000;
/** GDPR: a request must be handled within one month. */
const DUE_AFTER_MS = 30 * 86_400_000;

/** Receipt tokens one request holds at most: every join mints one, and they must not pile up. */
export const MAX_RECEIPT_TOKENS = 10;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Erasure requests: filing (by the subject or on their behalf), reading with a receipt token, cancelling, listing. */
export class ErasureService {
  constructor(
    private readonly queue: ErasureQueue,
    private readonly commenters: CommenterService,
    private readonly rateLimit: WriteRateLimit,
    private readonly secret: string,
  ) {}

  /** The subject's own request: rate-limited per subject before anything is written. */
  async requestBySubject(
    site: Site,
    identity: Identity,
  ): Promise<{ request: ErasureRequestDoc; receiptToken: string }> {
    await this.rateLimit.consumeErasureRequest(site.id, subjectRef(this.secret, site.id, identity.sub));
    return this.request(site, await this.commenters.upsert(identity), 'subject');
  }

  /** Files (or joins) the erasure of one commenter profile; returns the request and a new receipt token. */
  async request(
    site: Site,
    profile: CommenterDoc,
    requestedBy: 'subject' | 'admin',
  ): Promise<{ request: ErasureRequestDoc; receiptToken: string }> {
    return this.file(
      site,
      {
        subjectRef: subjectRef(this.secret, site.id, profile.sub),
        commenterId: profile._id,
        emailRef: profile.email ? emailRef(this.secret, site.id, profile.email) : null,
      },
      requestedBy,
    );
  }

  /** Files (or joins) the erasure of a subject: a profile, or an address no profile has. */
  private async file(
    site: Site,
    subject: Pick<DataSubject, 'subjectRef' | 'commenterId'> & { emailRef: string | null },
    requestedBy: 'subject' | 'admin',
  ): Promise<{ request: ErasureRequestDoc; receiptToken: string }> {
    const ref = subject.subjectRef;
    const receiptToken = randomBytes(24).toString('base64url');
    const open = await ErasureRequestModel.findOne({
      siteId: site.id,
      subjectRef: ref,
      status: { $in: ['scheduled', 'running'] },
    }).lean();
    if (open) {
      if (open.receiptTokenHashes.length >= MAX_RECEIPT_TOKENS) {
        throw new AppError('CONFLICT', {
          reason: 'too_many_receipts',
          limit: MAX_RECEIPT_TOKENS,
          id: String(open._id),
        });
      }
      const joined = await ErasureRequestModel.findOneAndUpdate(
        { _id: open._id, siteId: site.id, status: { $in: ['scheduled', 'running'] } },
        { $push: { receiptTokenHashes: hashToken(receiptToken) } },
        { new: true, lean: true },
      );
      if (joined) return { request: joined, receiptToken };
    }
    const now = new Date();
    const runAfter = new Date(now.getTime() + site.config.erasureGraceHours * 3_600_000);
    const request = (
      await ErasureRequestModel.create({
        siteId: site.id,
        subjectRef: ref,
        commenterId: subject.commenterId,
        emailRef: subject.emailRef,
        requestedBy,
        status: 'scheduled',
        createdAt: now,
        dueAt: new Date(now.getTime() + DUE_AFTER_MS),
        runAfter,
        receiptTokenHashes: [hashToken(receiptToken)],
        receipt: {},
      })
    ).toObject();
    // If Redis is away the request stays scheduled; the worker's sweep schedules it later.
    await this.queue
      .schedule(site.id, ref, String(request._id), runAfter.getTime() - now.getTime())
      .catch(() => undefined);
    return { request, receiptToken };
  }

  /**
   * Requests on someone's behalf, by host user id or by email (every profile with that
   * email). An email no profile has is erased as a subject of its own when something is
   * stored under it (notices sent with it); 404 when nothing matches.
   */
  async requestFor(
    site: Site,
    subject: { sub: string } | { email: string },
  ): Promise<Array<{ request: ErasureRequestDoc; receiptToken: string }>> {
    const profiles = await this.commenters.profilesOf(site.id, subject);
    const results = [];
    for (const profile of profiles) results.push(await this.request(site, profile, 'admin'));
    if (results.length === 0 && 'email' in subject) {
      const alone = await subjectByEmailAlone(this.secret, site.id, subject.email);
      if (alone) results.push(await this.file(site, { ...alone, emailRef: alone.emailRef ?? null }, 'admin'));
    }
    if (results.length === 0) throw notFound('subject');
    return results;
  }

  /** A request, for the holder of one of its receipt tokens (404 otherwise, saying nothing more). */
  async byToken(id: string, token: string): Promise<ErasureRequestDoc> {
    const request = /^[a-f0-9]{24}$/.test(id) ? await ErasureRequestModel.findById(id).lean() : null;
    const given = Buffer.from(hashToken(token), 'hex');
    const ok = !!request && request.receiptTokenHashes.some((h) => timingSafeEqual(Buffer.from(h, 'hex'), given));
    if (!request || !ok) throw notFound('erasure request');
    return request;
  }

  /** Cancels a request while the site's grace period lasts. */
  async cancel(id: string, token: string): Promise<ErasureRequestDoc> {
    const request = await this.byToken(id, token);
    if (request.status !== 'scheduled' || request.runAfter.getTime() <= Date.now()) {
      throw new AppError('CONFLICT', { reason: 'grace_period_over', status: request.status });
    }
    if (!(await this.queue.cancel(request.siteId, request.subjectRef)))
      throw new AppError('CONFLICT', { reason: 'already_running' });
    const cancelled = await ErasureRequestModel.findOneAndUpdate(
      { _id: request._id, siteId: request.siteId, status: 'scheduled' },
      { $set: { status: 'cancelled', completedAt: new Date() } },
      { new: true, lean: true },
    );
    if (!cancelled) throw new AppError('CONFLICT', { reason: 'already_running' });
    return cancelled;
  }

  /** Requests by status, or the overdue ones (older than 30 days and not completed). */
  async list(filter: { status?: ErasureStatus; overdue?: boolean; siteId?: string }): Promise<ErasureRequestDoc[]> {
    const query: Record<string, unknown> = {};
    if (filter.status) query.status = filter.status;
    if (filter.siteId) query.siteId = filter.siteId;
    if (filter.overdue) {
      query.dueAt = { $lt: new Date() };
      if (!filter.status) query.status = { $in: ['scheduled', 'running'] };
    }
    return ErasureRequestModel.find(query).sort({ dueAt: 1 }).limit(1000).lean();
  }

  /**
   * Re-schedules requests whose job never reached Redis (or was lost); run by the worker.
   * Only requests due for a while are looked at, so the normal path is never raced.
   */
  async sweep(): Promise<number> {
    const due = await ErasureRequestModel.find({
      status: { $in: ['scheduled', 'running'] },
      runAfter: { $lte: new Date(Date.now() - SWEEP_AFTER_MS) },
    })
      .limit(100)
      .lean();
    let scheduled = 0;
    for (const r of due) {
      if (await this.queue.hasOpenJob(r.siteId, r.subjectRef)) continue;
      await this.queue.schedule(r.siteId, r.subjectRef, String(r._id), 0);
      scheduled++;
    }
    return scheduled;
  }
}
