import { z } from 'zod';
import { safeLine, threadKeySchema } from '../../shared/safe-text';
import { listCommentsQuery } from '../comments/comment.schemas';

/** GET …/thread names the thread by `key` (or, as before, `thread`). */
export const threadQuery = z
  .object({ thread: threadKeySchema.optional(), key: threadKeySchema.optional() })
  .strict()
  .refine((q) => q.key !== undefined || q.thread !== undefined, 'key is required');

/**
 * `include=comments` adds the first page of comments (as GET …/comments answers it), so the
 * widget shows a thread with one request; `sort` and `limit` then apply to that page.
 */
export const includeQuery = z
  .object({
    include: z.literal('comments').optional(),
    sort: listCommentsQuery.shape.sort,
    limit: listCommentsQuery.shape.limit,
  })
  .strict();

/** Most keys one counts request may ask for (an article list's page). */
export const MAX_COUNT_KEYS = 50;
/** `?key=a&key=b`: one to MAX_COUNT_KEYS thread keys as asked (repeats included), each counted once. */
export const countsQuery = z
  .object({
    key: z
      .union([threadKeySchema.transform((k) => [k]), z.array(threadKeySchema).max(MAX_COUNT_KEYS)])
      .transform((keys) => [...new Set(keys)])
      .pipe(z.array(z.string()).min(1).max(MAX_COUNT_KEYS)),
  })
  .strict();

export const closeBody = z.object({ thread: threadKeySchema, reason: safeLine(500).optional() }).strict();
export const reopenBody = z.object({ thread: threadKeySchema }).strict();
