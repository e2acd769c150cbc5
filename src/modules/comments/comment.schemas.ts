import { z } from 'zod';
import { AppError } from '../../http/errors';
import { httpUrl, safeLine, threadKeySchema } from '../../shared/safe-text';

/** 24 hex characters: anything else cannot be a comment id and is answered 404. */
export const objectIdString = z.string().regex(/^[a-f0-9]{24}$/);

/** A comment id from a path: one that is not an ObjectId cannot exist, so 404, not 400. */
export function commentIdOr404(raw: string): string {
  const parsed = objectIdString.safeParse(raw);
  if (!parsed.success) throw new AppError('NOT_FOUND', { what: 'comment' });
  return parsed.data;
}

/** Comment text arrives as any string; comment-text.ts decides empty/too long/invalid with its own codes. */
const bodyText = z.string().max(20_000);

export const createCommentSchema = z.object({
  thread: threadKeySchema,
  body: bodyText,
  parentId: objectIdString.nullable().optional(),
  threadTitle: safeLine(300).optional(),
  threadUrl: httpUrl.optional(),
}).strict();

export const editCommentSchema = z.object({ body: bodyText }).strict();

export const listCommentsQuery = z.object({
  thread: threadKeySchema,
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  sort: z.enum(['oldest', 'newest']).default('oldest'),
}).strict();

/** A top-level comment's replies, oldest first: the cursor comes from its repliesCursor or the previous page. */
export const listRepliesQuery = z.object({
  cursor: listCommentsQuery.shape.cursor,
  limit: z.coerce.number().int().min(1).max(100).default(50),
}).strict();

export const threadQuery = z.object({ thread: threadKeySchema.optional(), key: threadKeySchema.optional() })
  .strict()
  .refine((q) => q.key !== undefined || q.thread !== undefined, 'key is required');

/** Idempotency-Key header: a client-chosen token, 1–200 visible ASCII characters. */
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,200}$/);

export type CreateCommentInput = z.output<typeof createCommentSchema>;
export type ListCommentsQuery = z.output<typeof listCommentsQuery>;
export type ListRepliesQuery = z.output<typeof listRepliesQuery>;
