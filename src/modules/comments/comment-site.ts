import type { Site, SiteService } from '../sites/site.service';
import { commentIdOr404 } from './comment.schemas';
import type { CommentService } from './comment.service';

/** The site of a comment addressed by id alone (the routes under /api/v1/comments/{id}). */
export async function siteOfComment(
  sites: SiteService,
  comments: CommentService,
  rawId: string,
): Promise<{ site: Site; id: string }> {
  const id = commentIdOr404(rawId);
  return { site: await sites.get(await comments.siteIdOf(id)), id };
}
