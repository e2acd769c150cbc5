import '../../shared/zod-openapi';
import { z } from 'zod';
import { REPORT_REASONS } from '../reports/report.model';

// What the endpoints answer, as the OpenAPI document describes it. The views are built by
// plain functions, one <feature>.view.ts per module (comment.view.ts, erasure.view.ts, …);
// these schemas follow them, and the OpenAPI fuzzer (scripts/fuzz-openapi.sh) checks
// every answer against them.

const isoDate = z.string().openapi({ format: 'date-time' });
const objectId = z.string().regex(/^[a-f0-9]{24}$/);
const nextCursor = z
  .string()
  .nullable()
  .openapi({ description: 'Pass back as cursor for the next page; null on the last page' });

const commentFields = {
  id: objectId,
  thread: z.string(),
  parentId: objectId.nullable(),
  author: z.object({ name: z.string() }).nullable().openapi({ description: 'null for a tombstone' }),
  body: z.string(),
  status: z.enum(['pending', 'published', 'rejected', 'removed']),
  createdAt: isoDate,
  editedAt: isoDate.nullable(),
  mine: z.boolean(),
  decision: z
    .object({ reasonId: z.string().nullable(), by: z.enum(['system', 'moderator']), at: isoDate.nullable() })
    .optional()
    .openapi({
      description:
        'On a rejected comment, which only its author sees: the site’s reason (label and ground at GET …/reasons), who decided and when',
    }),
};
export const commentView = z.object(commentFields);
/** A top-level comment in a list carries its first replies (one level deep) and where the rest start. */
const listedComment = z.object({
  ...commentFields,
  replies: z.array(commentView).optional(),
  repliesCursor: z.string().nullable().optional().openapi({
    description: 'Pass as cursor to …/comments/{id}/replies for the next replies; null when there are no more',
  }),
});
export const commentPage = { comments: z.array(listedComment), nextCursor };
export const replyPage = { replies: z.array(commentView), nextCursor };

export const threadState = z.object({
  key: z.string(),
  status: z.enum(['open', 'closed']),
  closedReason: z.string().nullable(),
  commentCount: z.number().int().min(0),
  maxLength: z.number().int(),
  title: z.string().nullable(),
  url: z.string().nullable(),
});

const notice = z.object({ title: z.string(), text: z.string(), url: z.string().nullable() });
export const widgetSite = z.object({
  id: z.string(),
  name: z.string(),
  locale: z.enum(['sv', 'en']),
  loginUrl: z.string().nullable(),
  privacyNotice: z.object({ sv: notice, en: notice }),
  editWindowMinutes: z.number().int(),
});

export const threadCounts = z.object({
  threads: z.array(
    z.object({ key: z.string(), status: z.enum(['open', 'closed']), commentCount: z.number().int().min(0) }),
  ),
});

export const me = z.object({
  me: z.object({
    sub: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    roles: z.array(z.enum(['moderator', 'admin'])),
    stored: z.object({ name: z.string(), email: z.string().nullable(), createdAt: isoDate }).nullable(),
  }),
});

export const mailChoices = z.object({
  mail: z.object({
    offered: z.boolean().openapi({
      description: 'Mail can be turned on: the site allows it, mail is configured and the token carries an email',
    }),
    notOffered: z.enum(['no_email', 'site_off', 'mail_off']).nullable(),
    replies: z.boolean(),
    decisions: z.boolean(),
  }),
});
export const unsubscribed = z.object({ subscribed: z.boolean() });

export const report = z.object({
  report: z.object({ id: objectId, reason: z.enum(REPORT_REASONS), note: z.string().nullable(), createdAt: isoDate }),
});

export const queueCounts = z.object({
  pending: z.number().int().min(0),
  reported: z.number().int().min(0),
  rejected: z.number().int().min(0),
  approved: z.number().int().min(0),
  notices: z.number().int().min(0).openapi({ description: 'Open notices of illegal content' }),
  appeals: z.number().int().min(0).openapi({ description: 'Open appeals' }),
});

/** A queue item: the comment with what a moderator needs to decide; described in docs/api.md. */
const queueItem = z
  .object({ comment: z.object({ id: objectId }).passthrough(), version: z.number().int() })
  .passthrough();
/** An item of the notices or appeals queue: the case, with the comment or ban it is about. */
const caseItem = z.object({ id: objectId, kind: z.enum(['notice', 'appeal']) }).passthrough();
export const queuePage = z.object({ items: z.array(z.union([queueItem, caseItem])), nextCursor });
export const decision = z.object({ item: queueItem });

export const ban = z.object({ ban: z.object({ reason: z.string(), until: isoDate.nullable(), createdAt: isoDate }) });

export const logPage = z.object({
  entries: z.array(
    z.object({
      id: objectId,
      at: isoDate,
      actor: z.object({ kind: z.string(), name: z.string().nullable() }),
      action: z.string(),
      commentId: objectId.nullable(),
      threadKey: z.string().nullable(),
      reason: z.string().nullable(),
      reasonId: z.string().nullable(),
      rules: z.array(z.object({}).passthrough()),
      until: isoDate.nullable(),
      noticeId: objectId.nullable(),
      appealId: objectId.nullable(),
      outcome: z.enum(['removed', 'no_action', 'upheld', 'reversed']).nullable(),
    }),
  ),
  nextCursor,
});

/** Everything stored about one commenter (the same shape for the subject and the privacy officer). */
export const subjectExport = z.object({ exportedAt: isoDate, site: z.string() }).passthrough();

export const erasureRequest = z.object({
  id: objectId,
  site: z.string(),
  status: z.enum(['scheduled', 'running', 'completed', 'cancelled']),
  requestedBy: z.enum(['subject', 'admin']),
  createdAt: isoDate,
  dueAt: isoDate,
  runAfter: isoDate,
  completedAt: isoDate.nullable(),
  receipt: z.record(z.number()).nullable().openapi({ description: 'Counts of what was erased, once completed' }),
  overdue: z.boolean(),
  kept: z
    .array(z.object({ what: z.string(), count: z.number().int(), why: z.string() }))
    .nullable()
    .openapi({
      description: 'Once completed: what the erasure deliberately kept (a ban in force, the request itself) and why',
    }),
});
export const erasureWithReceipt = erasureRequest.extend({
  receiptToken: z
    .string()
    .openapi({ description: 'Shown once: reads the request (and its receipt) later without a login' }),
});

/** A site as admins read it back: the configuration with defaults applied, secrets left out. */
export const adminSite = z
  .object({ id: z.string(), name: z.string(), origins: z.array(z.string()), auth: z.object({}).passthrough() })
  .passthrough();

export const health = z.object({ status: z.literal('ok') });
export const readiness = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.object({ mongodb: z.boolean(), redis: z.boolean() }),
});
export const demoToken = z.object({
  token: z.string(),
  expiresIn: z.number().int(),
  site: z.string(),
  role: z.enum(['commenter', 'moderator']),
});
