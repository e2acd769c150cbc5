import { CommenterModel } from '../src/modules/commenters/commenter.model';
import { commandsDuring } from './helpers/commands';
import { createCommenter } from './helpers/factories';
import { createSite, TestSite, useHarness } from './helpers/harness';

/**
 * The database commands one post sends, by command and collection: a slow database
 * charges for each round trip. No workers in this file, so every command seen is the
 * post's own.
 */
const h = useHarness();

/** The commands of `run`; post() waits for the batched outbox delete it leads to. */
const commandsOf = commandsDuring;

async function post(
  site: TestSite,
  claims: Record<string, unknown>,
  thread: string,
  headers: Record<string, string> = {},
) {
  const res = await h.http
    .post(`/api/v1/sites/${site.id}/comments`)
    .set(await site.bearer(claims))
    .set(headers)
    .send({ thread, body: `Ett inlägg i ${thread}` });
  expect(res.status).toBe(201);
  await h.services.moderation.flush(); // its outbox entry's removal lands now, not in the next post's count
  return res;
}

describe('database round trips of a post', () => {
  it('when a known commenter posts again on a thread that exists, then the post reads the profile and the erasure mark after writing, writes the outbox entry, the comment and its event, and nothing else but its share of a batched outbox delete', async () => {
    const site = await createSite(h, { rateLimits: { commentsPerCommenterPerMinute: 100 } });
    const author = createCommenter(site);
    await post(site, author.claims, 'a');
    await post(site, author.claims, 'a'); // the first known profile loads the site's erasures under way (none)
    const profile = await CommenterModel.findOne({ siteId: site.id, sub: author.sub }).lean();

    const commands = await commandsOf(() => post(site, author.claims, 'a'));
    expect(commands).toEqual([
      'delete moderation_outbox', // batched: one for every post whose job Redis took meanwhile
      'find commenters',
      'find erasure_requests', // after writing: an erasure that began meanwhile must see the comment or undo it
      'insert comments',
      'insert events',
      'insert moderation_outbox',
    ]);
    // No upsert of an unchanged profile: it is as it was.
    expect(await CommenterModel.findOne({ siteId: site.id, sub: author.sub }).lean()).toEqual(profile);
  });

  it('when a new commenter starts a new thread on a site, then the bans in force are read once for the site, the thread once, and profile and thread are each written once', async () => {
    const site = await createSite(h);
    const commands = await commandsOf(() => post(site, createCommenter(site).claims, 'ny'));
    expect(commands).toEqual([
      'delete moderation_outbox',
      'find bans', // the site's bans in force, then kept in the refusal cache
      'find commenters',
      'find erasure_requests', // after writing (a new profile has no erasure to check before)
      'find threads',
      'findAndModify commenters',
      'findAndModify threads',
      'insert comments',
      'insert events',
      'insert moderation_outbox',
    ]);

    // The next new commenter on the same thread finds bans and thread in the cache.
    const next = await commandsOf(() => post(site, createCommenter(site).claims, 'ny'));
    expect(next).toEqual([
      'delete moderation_outbox',
      'find commenters',
      'find erasure_requests',
      'findAndModify commenters',
      'insert comments',
      'insert events',
      'insert moderation_outbox',
    ]);
  });

  it('when a known commenter posts with an Idempotency-Key, then the key costs one read and one insert, and a retry reads the record and the comment and writes nothing', async () => {
    const site = await createSite(h, { rateLimits: { commentsPerCommenterPerMinute: 100 } });
    const author = createCommenter(site);
    await post(site, author.claims, 'k');
    await post(site, author.claims, 'k');
    const first = await commandsOf(() => post(site, author.claims, 'k', { 'Idempotency-Key': 'nyckel-1' }));
    expect(first).toEqual([
      'delete moderation_outbox',
      'find commenters',
      'find erasure_requests',
      'find idempotency_keys',
      'insert comments',
      'insert events',
      'insert idempotency_keys',
      'insert moderation_outbox',
    ]);
    const retry = await commandsOf(() => post(site, author.claims, 'k', { 'Idempotency-Key': 'nyckel-1' }));
    expect(retry).toEqual(['find commenters', 'find comments', 'find idempotency_keys']);
  });
});
