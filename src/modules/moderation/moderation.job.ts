import { z } from 'zod';
import type { KeyedJobDefinition } from '../../infra/job-definition';
import type { ModerationBatches } from './moderation.processor';

/** A moderation job names a comment and the revision to decide; nothing else. */
export const moderationPayload = z
  .object({
    commentId: z.string().regex(/^[a-f0-9]{24}$/),
    revision: z.number().int().min(1),
  })
  .strict();
export type ModerationPayload = z.infer<typeof moderationPayload>;

interface ModerationJobDeps {
  moderationBatches: ModerationBatches;
}

/**
 * Decides a comment revision with its site's automated rules, in a batch with the other
 * jobs this process holds at the time (see moderation.processor.ts).
 */
export const moderationJob: KeyedJobDefinition<ModerationPayload, ModerationJobDeps, ModerationPayload> = {
  name: 'moderation',
  payload: moderationPayload,
  /** One job per comment revision: adding it twice yields one job. */
  jobId: ({ commentId, revision }) => `moderate:${commentId}:${revision}`,
  concurrency: (config) => config.WORKER_CONCURRENCY,
  handle: (payload, { moderationBatches }, log) => moderationBatches.decide(payload, log),
};
