import type { Identity } from '../auth/commenter-token';
import type { Site } from '../sites/site.service';

/** The moderators' queues of cases about a comment or a ban, beside the comment queues. */
export const CASE_QUEUES = ['notices', 'appeals'] as const;
export type CaseQueueName = (typeof CASE_QUEUES)[number];

/** What a page of a case queue is asked for. */
export interface CaseQueueQuery {
  cursor?: string;
  limit: number;
  thread?: string;
}

/**
 * A queue of open cases (notices of illegal content, appeals): its count beside the
 * comment queues' counts, and its items oldest first, at …/moderation/queues/{name}.
 */
export interface CaseQueue {
  readonly name: CaseQueueName;
  count(site: Site): Promise<number>;
  /** The viewing moderator: an appeal says whether they may decide it. */
  list(site: Site, query: CaseQueueQuery, viewer: Identity): Promise<{ items: unknown[]; nextCursor: string | null }>;
}
