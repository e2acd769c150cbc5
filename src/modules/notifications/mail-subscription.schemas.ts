import '../../shared/zod-openapi';
import { z } from 'zod';

/** PATCH …/me/mail: either choice or both; a choice left out keeps its value. */
export const mailChoicesBody = z
  .object({
    replies: z.boolean().optional().openapi({ description: 'Mail me when someone replies to my comment' }),
    decisions: z
      .boolean()
      .optional()
      .openapi({ description: 'Mail me when my comment is published after a wait, or is rejected' }),
  })
  .strict()
  .refine((b) => b.replies !== undefined || b.decisions !== undefined, { message: 'give replies, decisions or both' });

/** The signed token of a one-click unsubscribe link (see unsubscribe-link.ts). */
export const unsubscribeTokenSchema = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{43}$/, 'not an unsubscribe token');

export const unsubscribeQuery = z
  .object({
    token: unsubscribeTokenSchema,
    lang: z
      .enum(['sv', 'en'])
      .optional()
      .openapi({ description: "The page's language: the site's, as the mail was written" }),
  })
  .strict();

/**
 * The one-click POST (RFC 8058): mail clients send `List-Unsubscribe=One-Click`
 * form-encoded; the page's own button sends the same. An empty body is accepted too.
 */
export const unsubscribeForm = z.object({ 'List-Unsubscribe': z.literal('One-Click').optional() }).strict();
