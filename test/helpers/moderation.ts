import { CommentModel } from '../../src/modules/comments/comment.model';
import { eventually, Harness, TestSite } from './harness';

export const MODERATOR = { sub: 'mod-1', name: 'Maja Moderator', roles: ['moderator'] };
export const MODERATOR_2 = { sub: 'mod-2', name: 'Mats Moderator', roles: ['moderator'] };

/** Posts a comment and waits until the worker has decided it; returns the stored comment. */
export async function postAndDecide(h: Harness, site: TestSite, body: string, claims: Record<string, unknown> = {}, thread = 't') {
  const res = await h.http.post(`/api/v1/sites/${site.id}/comments`).set(await site.bearer(claims)).send({ thread, body });
  if (res.status !== 201) throw new Error(`post failed: ${res.status} ${JSON.stringify(res.body)}`);
  return eventually(async () => {
    const c = await CommentModel.findById(res.body.comment.id).lean();
    return c && c.decidedAt ? c : undefined;
  });
}
