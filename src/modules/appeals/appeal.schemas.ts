import { z } from 'zod';
import { safeLine, safeText } from '../../shared/safe-text';
import { reasonIdSchema } from '../reasons/reason.schemas';

/** The longest appeal: a short text, as the DSA's internal complaint asks for no more. */
export const APPEAL_MAX_LENGTH = 1000;

export const appealBody = z
  .object({
    text: safeText(APPEAL_MAX_LENGTH)
      .refine((s) => s.length > 0, 'must not be empty')
      .openapi({ minLength: 1 }),
  })
  .strict();

export const appealDecisionBody = z
  .object({
    outcome: z.enum(['upheld', 'reversed']),
    /** Required to uphold: the site's reason the decision stands on (422 REASON_REQUIRED without it). */
    reasonId: reasonIdSchema.optional(),
    /** The moderator's own note, kept in the log and shown to moderators. */
    reason: safeLine(500).optional(),
  })
  .strict();
export type AppealDecisionRequest = z.output<typeof appealDecisionBody>;
