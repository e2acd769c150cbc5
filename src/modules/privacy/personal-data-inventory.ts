import type { Model, Types } from 'mongoose';
import { CommenterModel } from '../commenters/commenter.model';
import { CommentModel } from '../comments/comment.model';
import { toCommentView } from '../comments/comment.view';
import { IdempotencyModel } from '../comments/idempotency.model';
import { BanModel } from '../bans/ban.model';
import { ModerationLogModel } from '../moderation-log/moderation-log.model';
import { MailSubscriptionModel } from '../notifications/mail-subscription.model';
import { SentMailModel } from '../notifications/sent-mail.model';
import { ReportModel } from '../reports/report.model';
import { ThreadModel } from '../threads/thread.model';
import { ErasureRequestModel } from './erasure-request.model';

/** Whom a look-up is about: one commenter on one site. */
export interface DataSubject {
  siteId: string;
  /** The profile, when one exists (it does not after an erasure). */
  commenterId: Types.ObjectId | null;
  /** The pseudonymous reference (keyed hash of site and host user id). */
  subjectRef: string;
}

/**
 * What erasure does with a place:
 * - `delete`: the subject's documents are deleted (counted in the receipt under `receiptKey`);
 * - `comments`: the comment steps of the erasure (tombstones where others replied);
 * - `pseudonymise`: kept, with the subject's identity replaced by the pseudonymous reference;
 * - `keep`: kept as they are, for the reason given (`keptBecause`), holding no name,
 *   email or host user id; the receipt says so.
 * - `profile`: the profile itself, deleted last.
 */
export type ErasureRule = 'delete' | 'comments' | 'pseudonymise' | 'keep' | 'profile';

export interface PersonalDataPlace {
  /** The key of this place in the export and in the receipt. */
  key: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one list over models of every kind
  model: Model<any>;
  /** What of the subject this place holds, for the README and for reviewers. */
  holds: string;
  /** The subject's documents here, or null when there can be none (no profile). */
  filter(subject: DataSubject): Record<string, unknown> | null;
  sort: Record<string, 1 | -1>;
  erasure: ErasureRule;
  /** The receipt's count for this place (what was deleted, pseudonymised or kept). */
  receiptKey: string;
  keptBecause?: string;
  /** For `pseudonymise` and `keep`: the change erasure makes to the documents that stay. */
  eraseIdentity?(subject: DataSubject): Promise<void>;
  /** The subject's documents as their export shows them. */
  exportAs(docs: never[], subject: DataSubject): unknown;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- each place shapes its own model's documents */
const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

/** What the receipt says about the places erasure keeps, and why; by receipt key. */
export function keptPlaces(): Array<{ receiptKey: string; key: string; why: string }> {
  return PERSONAL_DATA.filter((p) => p.erasure === 'keep').map((p) => ({
    receiptKey: p.receiptKey,
    key: p.key,
    why: p.keptBecause ?? '',
  }));
}

const decisionOf = (view: { decision?: unknown }) => (view.decision ? { decision: view.decision } : {});

const byProfile = (field: string) => (s: DataSubject) =>
  s.commenterId ? { siteId: s.siteId, [field]: s.commenterId } : null;

/**
 * The one list of the places where a commenter's personal data lives. The export, the
 * privacy officer's export and the erasure all walk this list, so a new kind of personal
 * data added here is exported and erased alike; a test fails when a model that refers to
 * a commenter is neither listed here nor named in `NOT_PERSONAL_DATA` with a reason.
 * (Redis holds rate-limit counters and queued jobs; erasure removes those by key.)
 */
export const PERSONAL_DATA: PersonalDataPlace[] = [
  {
    key: 'profile',
    model: CommenterModel,
    holds: 'host user id, display name, email (when the host sends one)',
    filter: byProfile('_id'),
    sort: { createdAt: 1 },
    erasure: 'profile',
    receiptKey: 'profile',
    exportAs: ([p]: any[]) =>
      p
        ? { sub: p.sub, name: p.name, email: p.email, createdAt: iso(p.createdAt), lastSeenAt: iso(p.lastSeenAt) }
        : null,
  },
  {
    key: 'comments',
    model: CommentModel,
    holds: 'text, keyed hash of the IP, status and rules that fired',
    filter: byProfile('authorId'),
    sort: { createdAt: 1 },
    erasure: 'comments',
    receiptKey: 'comments',
    exportAs: async (comments: any[], s) => {
      const threads = await ThreadModel.find({
        siteId: s.siteId,
        key: { $in: [...new Set(comments.map((c) => c.threadKey))] },
      }).lean();
      const threadOf = new Map(threads.map((t) => [t.key, t]));
      return comments.map((c) => ({
        id: String(c._id),
        thread: {
          key: c.threadKey,
          title: threadOf.get(c.threadKey)?.title ?? null,
          url: threadOf.get(c.threadKey)?.url ?? null,
        },
        parentId: c.parentId ? String(c.parentId) : null,
        body: c.body,
        status: c.status,
        createdAt: iso(c.createdAt),
        editedAt: iso(c.editedAt),
        ipAddressStored: c.ipHash ? 'as a keyed hash only' : 'no',
        rulesFired: c.rules.map((r: any) => ({ rule: r.rule, action: r.action, detail: r.detail })),
        // The statement of a rejection or a moderator's removal, as the author sees it in the widget.
        ...decisionOf(toCommentView(c, new Map(), c.authorId)),
      }));
    },
  },
  {
    key: 'reportsMade',
    model: ReportModel,
    holds: 'reports the subject made, with their note',
    filter: byProfile('reporterId'),
    sort: { createdAt: 1 },
    erasure: 'delete',
    receiptKey: 'reports_made',
    exportAs: (reports: any[]) =>
      reports.map((r) => ({
        commentId: String(r.commentId),
        reason: r.reason,
        note: r.note,
        createdAt: iso(r.createdAt),
      })),
  },
  {
    key: 'idempotencyRecords',
    model: IdempotencyModel,
    holds: 'hashes of the Idempotency-Key headers the subject sent',
    filter: byProfile('authorId'),
    sort: { createdAt: 1 },
    erasure: 'delete',
    receiptKey: 'idempotency_records',
    exportAs: (records: any[]) =>
      records.map((r) => ({
        commentId: String(r.commentId),
        createdAt: iso(r.createdAt),
        key: 'stored as a SHA-256 hash only',
      })),
  },
  {
    key: 'mailSubscriptions',
    model: MailSubscriptionModel,
    holds: 'the mail the subject opted into (replies, decisions); no address: mail goes to the profile email',
    filter: byProfile('commenterId'),
    sort: { createdAt: 1 },
    erasure: 'delete',
    receiptKey: 'mail_subscriptions',
    exportAs: (subs: any[]) =>
      subs.map((m) => ({
        replies: m.replies,
        decisions: m.decisions,
        sentTo: 'the email of your profile, as your login on the site gives it',
        createdAt: iso(m.createdAt),
        updatedAt: iso(m.updatedAt),
      })),
  },
  {
    key: 'mailSent',
    model: SentMailModel,
    holds: 'records of mail sent to the subject (kind, time, a keyed hash of the address); deleted by retention',
    filter: byProfile('commenterId'),
    sort: { at: 1 },
    erasure: 'delete',
    receiptKey: 'mail_sent_records',
    exportAs: (records: any[]) =>
      records.map((r) => ({ kind: r.kind, at: iso(r.at), address: 'stored as a keyed hash only' })),
  },
  {
    key: 'moderationDecisions',
    model: ModerationLogModel,
    holds: 'decisions and sanctions about the subject, actions the subject took as moderator or author',
    filter: (s) =>
      s.commenterId
        ? { siteId: s.siteId, $or: [{ subjectId: s.commenterId }, { actorId: s.commenterId }] }
        : { siteId: s.siteId, subjectRef: s.subjectRef },
    sort: { at: 1 },
    erasure: 'pseudonymise',
    receiptKey: 'log_entries_pseudonymised',
    // Decisions stay in the log; the subject's identity in them becomes the pseudonymous reference.
    eraseIdentity: async (s) => {
      if (!s.commenterId) return;
      await ModerationLogModel.updateMany(
        { siteId: s.siteId, subjectId: s.commenterId },
        { $set: { subjectId: null, subjectRef: s.subjectRef } },
      );
      await ModerationLogModel.updateMany(
        { siteId: s.siteId, actorId: s.commenterId },
        { $set: { actorId: null, actorName: `erased:${s.subjectRef.slice(0, 12)}` } },
      );
    },
    exportAs: (entries: any[]) =>
      entries.map((d) => ({
        at: iso(d.at),
        action: d.action,
        by: d.actorKind,
        commentId: d.commentId ? String(d.commentId) : null,
        reason: d.reason,
        until: iso(d.until),
      })),
  },
  {
    key: 'sanctions',
    model: BanModel,
    holds: 'bans of the subject, by pseudonymous reference',
    filter: (s) => ({ siteId: s.siteId, subjectRef: s.subjectRef }),
    sort: { createdAt: 1 },
    erasure: 'keep',
    receiptKey: 'bans_kept',
    eraseIdentity: async (s) => {
      await BanModel.updateMany({ siteId: s.siteId, subjectRef: s.subjectRef }, { $set: { commenterId: null } });
    },
    keptBecause:
      'A ban stays in force after an erasure, or asking for erasure would lift it. It is kept by the pseudonymous ' +
      'reference only (no host user id, name or email), so that the same login is still refused.',
    exportAs: (bans: any[]) =>
      bans.map((b) => ({
        reason: b.reason,
        until: iso(b.until),
        createdAt: iso(b.createdAt),
        liftedAt: iso(b.liftedAt),
      })),
  },
  {
    key: 'erasureRequests',
    model: ErasureRequestModel,
    holds: 'the erasure requests themselves, by pseudonymous reference',
    filter: (s) => ({ siteId: s.siteId, subjectRef: s.subjectRef }),
    sort: { createdAt: 1 },
    erasure: 'keep',
    receiptKey: 'erasure_requests_kept',
    keptBecause:
      'The request is the proof that the erasure was done: it holds the pseudonymous reference, counts and hashed receipt tokens.',
    exportAs: (requests: any[]) =>
      requests.map((e) => ({ id: String(e._id), status: e.status, createdAt: iso(e.createdAt), dueAt: iso(e.dueAt) })),
  },
];
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * Models that refer to commenters or comments but hold no personal data of their own,
 * and why; the inventory test accepts these and nothing else.
 */
export const NOT_PERSONAL_DATA: Record<string, string> = {
  ErasureStep:
    'ids of comments and jobs, and counts, for resuming an erasure; the comments themselves are erased, and the steps are deleted on completion',
  OutboxEntry: 'a comment id and revision waiting to be queued; removed with the comment',
};
