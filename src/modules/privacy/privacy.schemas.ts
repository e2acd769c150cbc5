import { z } from 'zod';
import { chars, emailAddress } from '../../shared/safe-text';

/** The receipt token that reads (or cancels) an erasure request without a login. */
export const tokenQuery = z.object({ token: chars(1, 200) }).strict();

/** A privacy officer names the data subject by host user id or by email. */
export const adminSubjectBody = z
  .object({
    subject: z.union([z.object({ sub: chars(1, 256) }).strict(), z.object({ email: emailAddress }).strict()]),
  })
  .strict();

/** The privacy officer's list of erasure requests. */
export const erasureListQuery = z
  .object({
    status: z.enum(['scheduled', 'running', 'completed', 'cancelled']).optional(),
    overdue: z.enum(['true', 'false']).optional(),
    site: chars(0, 64).optional(),
  })
  .strict();
