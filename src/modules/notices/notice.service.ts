import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Types } from 'mongoose';
import { AppError, notFound } from '../../shared/errors';
import { keyedHash } from '../../infra/keyed-hash';
import { isDuplicateKey } from '../../infra/mongo';
import { CommentModel } from '../comments/comment.model';
import type { WriteRateLimit } from '../comments/write-rate-limit';
import { logCause, recordEvents } from '../events/record-events';
import type { ModerationLogService } from '../moderation-log/moderation-log.service';
import { emailRef } from '../privacy/subject-ref';
import type { Site } from '../sites/site.service';
import { NoticeDoc, NoticeModel } from './notice.model';
import type { NoticeInput } from './notice.schemas';

export interface NoticeServiceDeps {
  log: ModerationLogService;
  rateLimit: WriteRateLimit;
  /** IP_HASH_SECRET: the keyed hashes of IPs and addresses. */
  secret: string;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const NOTICE_ID = /^[a-f0-9]{24}$/;

/** Notices of illegal content: sent by anyone about a published comment, read back with their token. */
export class NoticeService {
  private readonly siteOfNotice = new Map<string, string>();

  constructor(private readonly deps: NoticeServiceDeps) {}

  /**
   * Files a notice: the reason must be one of the site's `illegal` ones, the comment
   * published; counted against the site's notice limits; one open notice per notifier
   * and comment (the unique dedupe key decides, so two at once cannot both get in).
   * Returns the notice and its token, which is shown this once.
   */
  async submit(site: Site, input: NoticeInput, context: { ip: string }): Promise<{ notice: NoticeDoc; token: string }> {
    const illegal = site.reasons.reasons.filter((r) => r.kind === 'illegal').map((r) => r.id);
    if (!illegal.includes(input.reasonId))
      throw new AppError('REASON_REQUIRED', { reasonId: input.reasonId, problem: 'not_illegal', reasons: illegal });
    const comment = await CommentModel.findOne(
      { _id: input.commentId, siteId: site.id },
      { status: 1, threadKey: 1 },
    ).lean();
    if (!comment || comment.status !== 'published') throw notFound('comment');
    // The same keyed hash of the IP as comments store (comment.service), counted per hour.
    const ipHash = keyedHash(this.deps.secret, context.ip);
    await this.deps.rateLimit.consumeNotice(site, ipHash, String(comment._id));

    const email = input.notifier?.email ?? null;
    const ref = email ? emailRef(this.deps.secret, site.id, email) : null;
    const id = new Types.ObjectId();
    const token = randomBytes(32).toString('base64url');
    let notice: NoticeDoc;
    try {
      notice = (
        await NoticeModel.create({
          _id: id,
          siteId: site.id,
          commentId: comment._id,
          threadKey: comment.threadKey,
          reasonId: input.reasonId,
          explanation: input.explanation,
          notifierName: input.notifier?.name ?? null,
          notifierEmail: email,
          notifierEmailRef: ref,
          goodFaith: input.goodFaith,
          tokenHash: hashToken(token),
          status: 'received',
          dedupeKey: `o:${String(comment._id)}:${ref ? `e:${ref}` : `i:${ipHash}`}`,
          createdAt: new Date(),
        })
      ).toObject();
    } catch (err) {
      if (isDuplicateKey(err)) throw new AppError('CONFLICT', { reason: 'already_noticed' });
      throw err;
    }
    const entry = await this.deps.log.append({
      siteId: site.id,
      actor: { kind: 'notifier' },
      action: 'notice_received',
      commentId: comment._id,
      threadKey: comment.threadKey,
      reasonId: input.reasonId,
      noticeId: id,
      claimKey: `n:${String(id)}:received`,
    });
    await recordEvents([
      {
        type: 'notice.received',
        siteId: site.id,
        cause: logCause(entry),
        data: { noticeId: String(id), commentId: String(comment._id), reasonId: input.reasonId },
      },
    ]);
    return { notice, token };
  }

  /** A notice, for the holder of its token; 404 for anything else, saying nothing more. */
  async byToken(id: string, token: string | undefined): Promise<NoticeDoc> {
    const notice = NOTICE_ID.test(id) && token ? await NoticeModel.findById(id).lean() : null;
    const given = Buffer.from(hashToken(token ?? ''), 'hex');
    if (!notice || !timingSafeEqual(Buffer.from(notice.tokenHash, 'hex'), given)) throw notFound('notice');
    return notice;
  }

  /**
   * The site of a notice, for its status route's CORS (addressed by id alone). A notice
   * never changes site, so the answer is kept in a bounded map.
   */
  async siteIdOf(id: string): Promise<string> {
    const known = this.siteOfNotice.get(id);
    if (known) return known;
    const doc = NOTICE_ID.test(id) ? await NoticeModel.findById(id, { siteId: 1 }).lean() : null;
    if (!doc) throw notFound('notice');
    if (this.siteOfNotice.size >= 10_000) this.siteOfNotice.clear();
    this.siteOfNotice.set(id, doc.siteId);
    return doc.siteId;
  }
}
