import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { safeLine } from '../../shared/safe-text';
import { reasonIdSchema } from '../reasons/reason.schemas';

/** The host user id in …/moderation/users/{sub}/ban. */
export const subParam = safeLine(256);

export const banBody = z
  .object({
    reason: safeLine(500),
    /** Required: the site's reason the ban rests on (422 REASON_REQUIRED without it). */
    reasonId: reasonIdSchema.optional(),
    until: z.string().datetime({ offset: true }).optional(),
  })
  .strict();

/**
 * The end of a ban as a date, or null for a ban without end. A ban that would already
 * be over is refused: a moderator who means "now" means a ban without end, or a typo.
 */
export function banUntil(until: string | undefined): Date | null {
  if (until === undefined) return null;
  const date = new Date(until);
  if (date.getTime() <= Date.now()) {
    throw new AppError('VALIDATION_FAILED', { issues: [{ path: 'until', problem: 'must be in the future' }] });
  }
  return date;
}
