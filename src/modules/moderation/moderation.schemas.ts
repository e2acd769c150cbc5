import { z } from 'zod';
import { safeLine, threadKeySchema } from '../../shared/safe-text';
import { cursorSchema } from '../../shared/cursor';
import { reasonIdSchema } from '../reasons/reason.schemas';

/** The moderators' review queues (not the moderation jobs' queue: see moderation.queue.ts). */
export const REVIEW_QUEUES = ['pending', 'reported', 'rejected', 'approved'] as const;
export type ReviewQueueName = (typeof REVIEW_QUEUES)[number];

/** The {queue} of …/moderation/queues/{queue}; any other name is answered 404. */
export const reviewQueueParam = z.enum(REVIEW_QUEUES);

export const reviewQueueQuery = z
  .object({
    cursor: cursorSchema.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    thread: threadKeySchema.optional(),
  })
  .strict();

export const decisionBody = z
  .object({
    action: z.enum(['approve', 'reject']),
    reason: safeLine(500).optional(),
    /** Required to reject: the site's reason the rejection rests on (422 REASON_REQUIRED without it). */
    reasonId: reasonIdSchema.optional(),
    version: z.number().int().min(1).optional(),
  })
  .strict();
export type DecisionRequest = z.output<typeof decisionBody>;
