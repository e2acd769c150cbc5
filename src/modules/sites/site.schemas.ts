import { z } from 'zod';
import { DEFAULT_MAX_LENGTH } from '../../shared/comment-text';
import { chars, httpUrl, safeLine, safeText } from '../../shared/safe-text';

/** Default privacy notice, Swedish first, modelled on the seed page's "Behandling av personuppgifter". */
export const DEFAULT_PRIVACY_NOTICE = {
  sv: {
    title: 'Behandling av personuppgifter',
    text:
      'Om du skriver personuppgifter i din kommentar sparas de hos oss, och vi ansvarar för dem. ' +
      'Skriv därför inte sådant som du inte vill ska sparas. Du kan när som helst hämta en kopia av ' +
      'dina uppgifter eller begära att de raderas.',
    url: null as string | null,
  },
  en: {
    title: 'Processing of personal data',
    text:
      'If you write personal data in your comment, it is stored by us and we are responsible for it. ' +
      'So do not write anything you do not want stored. You can get a copy of your data or ask for ' +
      'it to be erased at any time.',
    url: null as string | null,
  },
};

const origin = z
  .string()
  .max(300)
  .regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i, 'must be an origin like https://www.example.se (no path)')
  .transform((s) => s.toLowerCase());

const hs256Auth = z
  .object({
    hs256Secret: chars(32, 512),
    issuer: safeLine(500).optional(),
  })
  .strict();

const publicKeyAuth = z
  .object({
    publicKeyPem: chars(1, 10_000)
      .pipe(z.string().regex(/-----BEGIN PUBLIC KEY-----/, 'must be an SPKI PEM public key'))
      .openapi({ minLength: 1, maxLength: 10_000, pattern: '-----BEGIN PUBLIC KEY-----' }),
    alg: z.enum(['RS256', 'ES256', 'EdDSA']),
    issuer: safeLine(500).optional(),
  })
  .strict();

const moderation = z
  .object({
    mode: z.enum(['post', 'pre']).default('post'),
    bannedWords: z.array(safeLine(100)).max(2000).default([]),
    suspectWords: z.array(safeLine(100)).max(2000).default([]),
    maxLinks: z.number().int().min(0).max(100).default(1),
    holdPersonalData: z.boolean().default(true),
    reportThreshold: z.number().int().min(1).max(1000).default(1),
  })
  .strict();

const noticeFor = (lang: 'sv' | 'en') =>
  z
    .object({
      title: safeLine(200).default(DEFAULT_PRIVACY_NOTICE[lang].title),
      text: safeText(4000).default(DEFAULT_PRIVACY_NOTICE[lang].text),
      url: httpUrl.nullable().default(null),
    })
    .strict();

const privacyNotice = z
  .object({
    sv: noticeFor('sv').default({}),
    en: noticeFor('en').default({}),
  })
  .strict();

const rateLimits = z
  .object({
    commentsPerCommenterPerMinute: z.number().int().min(1).max(10_000).default(6),
    commentsPerIpPerMinute: z.number().int().min(1).max(100_000).default(30),
    /** Notices of illegal content (no login): per sender's IP hash, and per comment noticed. */
    noticesPerIpPerHour: z.number().int().min(1).max(10_000).default(10),
    noticesPerCommentPerHour: z.number().int().min(1).max(10_000).default(30),
  })
  .strict();

const retention = z
  .object({
    ipHashDays: z.number().int().min(1).max(3650).default(30),
    rejectedDays: z.number().int().min(1).max(3650).default(90),
    /** A notifier's name and address are deleted this long after their notice is decided. */
    noticeDays: z.number().int().min(1).max(3650).default(180),
    /** Decided appeals (the appellant's text) are deleted this long after their decision. */
    appealDays: z.number().int().min(1).max(3650).default(180),
  })
  .strict();

/**
 * An e-mail address a site's staff gives for its notices (moderators, privacy contacts),
 * and the one a notifier may give with a notice of illegal content:
 * a local part and a domain with a dot, neither holding spaces, control characters or the
 * characters that would need quoting in a mail header. Stated as one pattern, so the API
 * document says exactly what is accepted.
 */
const ADDRESS_PART = String.raw`[^\s@<>(),;:"[\]\\\x00-\x1f\x7f]`;
export const staffAddress = z
  .string()
  .max(254)
  .regex(new RegExp(`^${ADDRESS_PART}{1,64}@${ADDRESS_PART}+\\.${ADDRESS_PART}+$`), 'must be an e-mail address')
  .transform((s) => s.toLowerCase());

/**
 * Who the service tells what, by mail (api.md 1.1). Moderators: one mail per held or
 * reported comment, a digest every digestMinutes, or none. Privacy contacts: erasure
 * requests near or past their 30-day deadline. Commenters: only those who opt in.
 * Records of sent mail are deleted after sentMailRetentionDays.
 */
const notifications = z
  .object({
    moderators: z
      .object({
        emails: z.array(staffAddress).max(50).default([]),
        mode: z.enum(['immediate', 'digest', 'off']).default('off'),
        digestMinutes: z.number().int().min(5).max(10_080).default(60),
      })
      .strict()
      .default({}),
    privacyContacts: z.array(staffAddress).max(20).default([]),
    /** Told when a webhook is disabled for failing; the moderators' addresses when empty. */
    alertContacts: z.array(staffAddress).max(20).default([]),
    commenterMails: z.boolean().default(true),
    sentMailRetentionDays: z.number().int().min(1).max(3650).default(30),
  })
  .strict();

/** The largest comment length limit (maxLength) a site can set. */
export const MAX_SITE_MAX_LENGTH = 10_000;

/** A site's configuration as PUT takes it; every field but name, origins and auth has a default. */
export const siteConfigSchema = z
  .object({
    name: safeLine(200),
    origins: z.array(origin).max(50),
    auth: z.union([hs256Auth, publicKeyAuth]),
    locale: z.enum(['sv', 'en']).default('sv'),
    loginUrl: httpUrl.nullable().default(null),
    maxLength: z.number().int().min(1).max(MAX_SITE_MAX_LENGTH).default(DEFAULT_MAX_LENGTH),
    editWindowMinutes: z.number().int().min(0).max(10_080).default(15),
    autoCloseAfterDays: z.number().int().min(1).max(36_500).nullable().default(null),
    moderation: moderation.default({}),
    privacyNotice: privacyNotice.default({}),
    rateLimits: rateLimits.default({}),
    retention: retention.default({}),
    erasureGraceHours: z.number().int().min(0).max(720).default(0),
    notifications: notifications.default({}),
    /** How long after a decision its author (or the banned commenter) may appeal it. */
    appeals: z
      .object({ windowDays: z.number().int().min(1).max(3650).default(183) })
      .strict()
      .default({}),
  })
  .strict();

export type SiteConfig = z.output<typeof siteConfigSchema>;
export type SiteConfigInput = z.input<typeof siteConfigSchema>;
export type PrivacyNotice = SiteConfig['privacyNotice'];
