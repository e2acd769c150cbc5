import { Types } from 'mongoose';
import { DEFAULT_REASONS } from '../reasons/default-reasons';
import type { Reason } from '../reasons/reason.schemas';
import { z } from 'zod';
import type { AppConfig } from '../../../config/env';
import type { KeyedJobDefinition } from '../../infra/job-definition';
import type { Logger } from '../../infra/logger';
import type { Mailer } from '../../infra/mailer';
import type { Language } from '../../shared/messages';
import { CommenterModel } from '../commenters/commenter.model';
import { CommentModel } from '../comments/comment.model';
import { EventModel } from '../events/event.model';
import { SiteModel } from '../sites/site.model';
import type { SiteConfig } from '../sites/site.schemas';
import { ThreadModel } from '../threads/thread.model';
import { MailKind, mailText } from './mail-texts';
import { MailSubscriptionModel } from './mail-subscription.model';
import { sendOnce } from './send-once';
import { listUnsubscribeHeaders, unsubscribeToken } from './unsubscribe-link';

/** The commenter mails there are, each named after the event it tells of. */
export const COMMENTER_MAIL_KINDS = ['replied', 'published', 'rejected', 'removed', 'appeal_decided'] as const;
export type CommenterMailKind = (typeof COMMENTER_MAIL_KINDS)[number];

/** Ids only: who gets the mail and what it says is read from MongoDB when it is sent. */
export const commenterMailPayload = z
  .object({ eventId: z.string().regex(/^evt_[a-f0-9]{24}$/), kind: z.enum(COMMENTER_MAIL_KINDS) })
  .strict();
export type CommenterMailPayload = z.infer<typeof commenterMailPayload>;

interface CommenterMailDeps {
  config: Pick<AppConfig, 'IP_HASH_SECRET' | 'PUBLIC_URL'>;
  mailer: Mailer | undefined;
}

/** The subscription flag a kind of mail needs. */
export const FLAG_OF: Record<CommenterMailKind, 'replies' | 'decisions'> = {
  replied: 'replies',
  published: 'decisions',
  rejected: 'decisions',
  removed: 'decisions',
  appeal_decided: 'decisions',
};

/**
 * Why a comment was rejected, in words for its author: the site's reason (its label and
 * the ground it rests on) when the decision named one, otherwise what the rules say.
 */
function rejectionReason(
  language: Language,
  reason: Reason | undefined,
  rules: readonly string[],
  by: unknown,
): string {
  if (reason) return `${reason.label[language]} (${reason.ground.text})`;
  const sv = language === 'sv';
  if (rules.includes('banned_word'))
    return sv
      ? 'Kommentaren innehöll ord som inte är tillåtna här.'
      : 'The comment held words that are not allowed here.';
  if (rules.includes('duplicate'))
    return sv ? 'Samma kommentar hade redan skickats.' : 'The same comment had been sent already.';
  if (by === 'moderator')
    return sv
      ? 'En moderator bedömde att kommentaren inte följer webbplatsens regler.'
      : "A moderator found that the comment does not follow the site's rules.";
  return sv ? 'Kommentaren följer inte webbplatsens regler.' : "The comment does not follow the site's rules.";
}

const asId = (v: unknown) => (typeof v === 'string' && Types.ObjectId.isValid(v) ? new Types.ObjectId(v) : null);

/**
 * A permanent refusal by the SMTP server (a 5xx answer: unknown mailbox, refused
 * recipient): retrying cannot help. Anything else (connection lost, 4xx) is retried.
 */
function isPermanent(err: unknown): boolean {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** What of an SMTP error may be logged: its name and codes, never its message (it can quote the address). */
export function smtpErrorFields(err: unknown): Record<string, unknown> {
  const e = (err ?? {}) as { name?: unknown; code?: unknown; responseCode?: unknown };
  return {
    errName: typeof e.name === 'string' ? e.name.slice(0, 64) : 'Error',
    errCode: typeof e.code === 'string' && /^[\w.-]{1,32}$/.test(e.code) ? e.code : undefined,
    responseCode: typeof e.responseCode === 'number' ? e.responseCode : undefined,
  };
}

/**
 * One commenter mail about one event (commenter-mail.consumer.ts adds it): "someone
 * replied to your comment", "your comment was published" or "… was not published (the
 * reason)". Everything is read again when it runs: the event, the comments, the site
 * (notifications.commenterMails), the subscription and its flag, the profile's address;
 * whatever changed since (unsubscribed, erased, mail turned off) means no mail. Sent once
 * per event and recipient however often it runs (send-once.ts); SMTP errors and bounces
 * are logged by name and code only.
 */
export const commenterMailJob: KeyedJobDefinition<CommenterMailPayload, CommenterMailDeps, CommenterMailPayload> = {
  name: 'commenter-mail',
  payload: commenterMailPayload,
  attempts: 10,
  concurrency: () => 4,
  jobId: ({ eventId, kind }) => `cmail-${eventId}-${kind}`,
  handle: async ({ eventId, kind }, deps, log: Logger) => {
    if (!deps.mailer) return 'mail off';
    const event = await EventModel.findById(eventId).lean();
    if (!event) return 'event gone';
    const data = event.data;
    const commentId = asId(data.commentId);
    const aboutId = kind === 'replied' ? asId(data.parentId) : commentId;
    if (!commentId || !aboutId) return 'not for mail';
    const [comment, about, site] = await Promise.all([
      CommentModel.findOne({ _id: commentId, siteId: event.siteId }, { authorId: 1, threadKey: 1 }).lean(),
      CommentModel.findOne({ _id: aboutId, siteId: event.siteId }, { authorId: 1 }).lean(),
      SiteModel.findById(event.siteId, { config: 1, reasons: 1 }).lean(),
    ]);
    const recipientId = about?.authorId;
    if (!comment || !recipientId || !site) return 'gone';
    // Nobody is told about their own reply to themselves.
    if (kind === 'replied' && comment.authorId && comment.authorId.equals(recipientId)) return 'own reply';
    const config = site.config as SiteConfig;
    if (!config.notifications.commenterMails) return 'site off';
    const [subscription, profile, thread] = await Promise.all([
      MailSubscriptionModel.findOne({ siteId: event.siteId, commenterId: recipientId }).lean(),
      CommenterModel.findOne({ _id: recipientId, siteId: event.siteId }, { email: 1 }).lean(),
      ThreadModel.findOne({ siteId: event.siteId, key: comment.threadKey }, { url: 1 }).lean(),
    ]);
    if (!subscription?.[FLAG_OF[kind]]) return 'not subscribed';
    if (!profile?.email) return 'no address';

    const language = config.locale;
    const page = thread?.url ?? config.origins[0] ?? deps.config.PUBLIC_URL;
    const commentUrl = `${page.split('#')[0]}#kommentar-${String(commentId)}`;
    const reasonOf = (id: unknown) => (site.reasons ?? DEFAULT_REASONS).reasons.find((r) => r.id === id);
    const why = () => rejectionReason(language, reasonOf(data.reasonId), (data.rules as string[]) ?? [], data.by);
    const appealDays = config.appeals?.windowDays ?? 183;
    const mail: MailKind =
      kind === 'rejected'
        ? { kind, site: config.name, reason: why(), appealDays }
        : kind === 'removed'
          ? { kind, site: config.name, reason: why(), appealDays, commentUrl }
          : kind === 'appeal_decided'
            ? {
                kind,
                site: config.name,
                outcome: data.outcome === 'reversed' ? 'reversed' : 'upheld',
                reason: reasonOf(data.reasonId) ? why() : null,
                commentUrl,
              }
            : { kind, site: config.name, commentUrl };
    const unsubscribeUrl = `${deps.config.PUBLIC_URL}/unsubscribe?token=${unsubscribeToken(deps.config.IP_HASH_SECRET, subscription._id)}&lang=${language}`;
    const { subject, text } = mailText(mail, language, unsubscribeUrl);
    try {
      const outcome = await sendOnce(
        deps.mailer,
        deps.config.IP_HASH_SECRET,
        { siteId: event.siteId, kind: `commenter_${kind}`, about: eventId, commenterId: recipientId },
        { to: profile.email, subject, text, headers: listUnsubscribeHeaders(unsubscribeUrl) },
      );
      return outcome === 'sent' ? 'sent' : 'sent before';
    } catch (err) {
      if (isPermanent(err)) {
        log.warn({ kind, ...smtpErrorFields(err) }, 'commenter mail refused by the SMTP server (bounce); not retried');
        return 'bounced';
      }
      log.warn({ kind, ...smtpErrorFields(err) }, 'commenter mail not sent; will retry');
      throw err;
    }
  },
};
