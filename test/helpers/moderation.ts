import { createComment } from './factories';
import { Harness, TestSite } from './harness';

export const MODERATOR = { sub: 'mod-1', name: 'Maja Moderator', roles: ['moderator'] };
export const MODERATOR_2 = { sub: 'mod-2', name: 'Mats Moderator', roles: ['moderator'] };

/** Posts a comment and waits until the worker has decided it; returns the stored comment. */
export async function postAndDecide(
  h: Harness,
  site: TestSite,
  body: string,
  claims: Record<string, unknown> = {},
  thread = 't',
) {
  return (await createComment(h, site, { body, by: claims, thread, until: 'decided' })).stored;
}
