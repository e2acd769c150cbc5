import { z } from 'zod';
import { chars, safeLine, safeText } from '../../shared/safe-text';
import { objectIdString } from '../comments/comment.schemas';
import { reasonIdSchema } from '../reasons/reason.schemas';
import { staffAddress } from '../sites/site.schemas';

/** Longest explanation of a notice, in characters. */
export const MAX_EXPLANATION = 2000;

/** POST /api/v1/sites/{site}/notices: no login; the reason must be one of the site's `illegal` ones. */
export const noticeBody = z
  .object({
    commentId: objectIdString,
    reasonId: reasonIdSchema,
    explanation: safeText(MAX_EXPLANATION)
      .refine((s) => s.trim().length > 0, 'must not be empty')
      .openapi({ minLength: 1, description: 'Why the content is illegal; not only white space' }),
    notifier: z
      .object({ name: safeLine(100).optional(), email: staffAddress.optional() })
      .strict()
      .optional(),
    goodFaith: z.literal(true),
  })
  .strict();
export type NoticeInput = z.output<typeof noticeBody>;

/** The token that reads a notice's status. Missing, like wrong, is answered 404. */
export const noticeTokenQuery = z.object({ token: chars(0, 200).optional() }).strict();

/** A moderator's decision on a notice (and on every open notice about the same comment). */
export const noticeDecisionBody = z
  .object({
    action: z.enum(['remove', 'no_action']),
    /** Required to remove (422 REASON_REQUIRED without it): one of the site's reasons. */
    reasonId: reasonIdSchema.optional(),
    reason: safeLine(500).optional(),
  })
  .strict();
export type NoticeDecisionInput = z.output<typeof noticeDecisionBody>;

/** A notice id from a path: anything that is not an ObjectId cannot exist, so 404. */
export const noticeIdParam = objectIdString;
