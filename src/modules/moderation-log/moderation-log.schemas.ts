import { z } from 'zod';
import { cursorSchema } from '../../shared/cursor';

/** GET …/moderation/log: a page of the log, newest first. */
export const logQuery = z
  .object({ cursor: cursorSchema.optional(), limit: z.coerce.number().int().min(1).max(200).default(50) })
  .strict();
