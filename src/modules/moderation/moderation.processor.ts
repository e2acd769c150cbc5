import type { Logger } from '../../infra/logger';
import { CommentModel } from '../comments/comment.model';
import type { SiteService } from '../sites/site.service';
import type { ModerationPayload } from './moderation.queue';

export type Decision = 'published' | 'held' | 'stale';

/**
 * Decides one comment revision. For now the only rule is the site's mode: `post`
 * publishes, `pre` holds for a person. The update is conditional on the revision and on
 * the comment still being pending, so a job that runs twice decides once.
 */
export async function processModeration(
  job: ModerationPayload,
  sites: SiteService,
  log: Logger,
): Promise<Decision> {
  const comment = await CommentModel.findById(job.commentId, { siteId: 1, revision: 1, status: 1 }).lean();
  if (!comment || comment.revision !== job.revision || comment.status !== 'pending') {
    log.debug({ commentId: job.commentId }, 'stale moderation job skipped');
    return 'stale';
  }
  const site = await sites.find(comment.siteId);
  if (!site || site.config.moderation.mode === 'pre') return 'held';
  const now = new Date();
  const result = await CommentModel.updateOne(
    { _id: comment._id, revision: job.revision, status: 'pending' },
    {
      $set: { status: 'published', updatedAt: now },
      $push: { moderation: { by: 'system', action: 'published', reason: 'post_moderation', at: now } },
    },
  );
  log.info({ commentId: job.commentId, revision: job.revision, decision: 'published' }, 'comment decided');
  return result.modifiedCount === 1 ? 'published' : 'stale';
}
