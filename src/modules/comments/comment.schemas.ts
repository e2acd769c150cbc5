import { z } from 'zod';
import { AppError, notFound } from '../../shared/errors';
import { httpUrl, safeLine, threadKeySchema } from '../../shared/safe-text';
import { isOnOrigins } from '../../shared/site-origins';
import { MAX_SITE_MAX_LENGTH } from '../sites/site.schemas';
import { cursorSchema } from '../../shared/cursor';
import { reasonIdSchema } from '../reasons/reason.schemas';
import { CODE_POINTS_PER_CHARACTER } from '../../shared/comment-text';

/** 24 hex characters: anything else cannot be a comment id and is answered 404. */
export const objectIdString = z.string().regex(/^[a-f0-9]{24}$/);

/** A comment id from a path: one that is not an ObjectId cannot exist, so 404, not 400. */
export function commentIdOr404(raw: string): string {
  const parsed = objectIdString.safeParse(raw);
  if (!parsed.success) throw notFound('comment');
  return parsed.data;
}

const CONTROLS = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F';
const WHITE_SPACE = '\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF';

/**
 * Comment text arrives as any string; comment-text.ts decides empty/too long/invalid with
 * its own codes (422), against the site's maxLength in user-perceived characters, which
 * no JSON Schema can state. What the document can state is the hard bound behind it: a
 * comment never has more code points than CODE_POINTS_PER_CHARACTER times the largest
 * maxLength a site can have (and the 16 kB body limit bounds it on the wire).
 */
const bodyText = z.string().openapi({
  maxLength: CODE_POINTS_PER_CHARACTER * MAX_SITE_MAX_LENGTH,
  // Some character that is neither white space (as String.prototype.trim sees it) nor a
  // control character other than tab and line breaks: the rules of COMMENT_EMPTY and COMMENT_INVALID.
  pattern: `^[^${CONTROLS}]*[^${CONTROLS}${WHITE_SPACE}\\u0000-\\u0020\\u007F-\\u009F][^${CONTROLS}]*$`,
  description:
    "Not blank; at most the site's maxLength user-perceived characters, and at most 8 code points and 16 UTF-8 bytes per allowed character (422 COMMENT_TOO_LONG otherwise)",
});

export const createCommentSchema = z
  .object({
    thread: threadKeySchema,
    body: bodyText,
    parentId: objectIdString.nullable().optional(),
    threadTitle: safeLine(300).optional(),
    threadUrl: httpUrl.optional(),
  })
  .strict();

/**
 * A thread's address is shown to moderators as the link to the article, and the first
 * commenter supplies it: it is accepted only on one of the site's own origins.
 */
export function assertThreadUrlOnOrigins(threadUrl: string | undefined, origins: readonly string[]): void {
  if (threadUrl === undefined || isOnOrigins(threadUrl, origins)) return;
  throw new AppError('VALIDATION_FAILED', {
    issues: [{ path: 'threadUrl', problem: "must be an address on one of the site's origins" }],
  });
}

export const editCommentSchema = z.object({ body: bodyText }).strict();

/** A moderator's removal names the site's reason; an author's own needs none. */
export const removeCommentQuery = z.object({ reasonId: reasonIdSchema.optional() }).strict();

export const listCommentsQuery = z
  .object({
    thread: threadKeySchema,
    cursor: cursorSchema.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    sort: z.enum(['oldest', 'newest']).default('oldest'),
  })
  .strict();

/** A top-level comment's replies, oldest first: the cursor comes from its repliesCursor or the previous page. */
export const listRepliesQuery = z
  .object({
    cursor: listCommentsQuery.shape.cursor,
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict();

/** Idempotency-Key header: a client-chosen token, 1–200 visible ASCII characters. */
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,200}$/);

export type CreateCommentInput = z.output<typeof createCommentSchema>;
export type ListCommentsQuery = z.output<typeof listCommentsQuery>;
export type ListRepliesQuery = z.output<typeof listRepliesQuery>;
