import request from 'supertest';
import { createApp, createRequestListener } from '../src/app';
import { closeServices, createServices, Services } from '../src/container';
import { createLogger } from '../src/infra/logger';
import { RedisConnections } from '../src/infra/redis';
import { holdAt } from '../src/shared/checkpoints';
import { writesDuring } from './helpers/commands';
import { EventModel } from '../src/modules/events/event.model';
import { createCommenter } from './helpers/factories';
import { createSite, eventually, TestSite, useHarness } from './helpers/harness';
import { MODERATOR } from './helpers/moderation';
import { completed, decided, subject } from './helpers/privacy';

/**
 * Bans, thread states and erasures under way come from each process's refusal cache. A
 * change made through the API must hold for the very next post, in this process and in
 * every other one. "Another process" is a second set of services sharing MongoDB and
 * Redis that hears nothing in-process: it learns of changes through Redis alone.
 */
const h = useHarness({}, { workers: true });

let other: Services;
let otherHttp: ReturnType<typeof request>;
beforeAll(() => {
  other = createServices(h.config, createLogger('silent'), new RedisConnections(h.config.REDIS_URL as string));
  other.stopRefusalFeed(); // its own writes would renew tokens too; here it only posts
  otherHttp = request(createRequestListener(createApp(other), other));
});
afterAll(async () => {
  await closeServices(other);
});

const RELAXED = { rateLimits: { commentsPerCommenterPerMinute: 100 } };

/** Posts through a process: this one (`h.http`) or the other. */
async function postVia(
  http: ReturnType<typeof request>,
  site: TestSite,
  claims: Record<string, unknown>,
  thread = 't',
  body = 'Hej',
) {
  return http
    .post(`/api/v1/sites/${site.id}/comments`)
    .set(await site.bearer(claims))
    .send({ thread, body });
}

/** Waits until the worker has handed out every event of the site (its dispatcher writes too). */
const feedSettled = (site: TestSite) =>
  eventually(async () => (await EventModel.countDocuments({ siteId: site.id, state: { $ne: 'dispatched' } })) === 0);

/** Posts and waits until the worker has decided the comment, so that nothing of it writes later. */
async function acceptedVia(
  http: ReturnType<typeof request>,
  site: TestSite,
  claims: Record<string, unknown>,
  thread = 't',
) {
  const res = await postVia(http, site, claims, thread);
  expect(res.status).toBe(201);
  await decided(res.body.comment.id);
  await Promise.all([h.services.moderation.flush(), other.moderation.flush()]);
}

async function moderate(
  site: TestSite,
  path: string,
  body: Record<string, unknown> = {},
  method: 'post' | 'delete' = 'post',
) {
  return h.http[method](`/api/v1/sites/${site.id}/moderation/${path}`)
    .set(await site.bearer(MODERATOR))
    .send(body);
}

describe.each([
  ['this process', () => h.http],
  ['another process', () => otherHttp],
])('the refusal cache, posting through %s', (_where, http) => {
  it('when a moderator bans a commenter whose posts were just accepted, then the very next post is refused and writes nothing, and after the lift the next one is accepted', async () => {
    const site = await createSite(h, RELAXED);
    const author = createCommenter(site);
    await acceptedVia(http(), site, author.claims); // the site's bans are cached: none
    expect((await moderate(site, `users/${author.sub}/ban`, { reason: 'Spam', reasonId: 'reklam' })).status).toBe(201);
    await feedSettled(site); // the ban's event handed out, so that the writes counted below are the post's alone

    let refused!: Awaited<ReturnType<typeof postVia>>;
    const writes = await writesDuring(async () => {
      refused = await postVia(http(), site, author.claims, 't', 'Efter avstängningen');
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('BANNED');
    expect(writes).toEqual([]);
    expect((await postVia(http(), site, createCommenter(site).claims)).status).toBe(201); // others still write

    expect((await moderate(site, `users/${author.sub}/ban`, {}, 'delete')).status).toBe(204);
    expect((await postVia(http(), site, author.claims)).status).toBe(201);
  });

  it('when a moderator closes a thread that took comments a moment ago, then the very next post is refused, and after reopening it is accepted', async () => {
    const site = await createSite(h, RELAXED);
    const author = createCommenter(site);
    await acceptedVia(http(), site, author.claims, 'tråd'); // the open thread is cached
    expect((await moderate(site, 'threads/close', { thread: 'tråd' })).status).toBe(200);
    await feedSettled(site);

    let refused!: Awaited<ReturnType<typeof postVia>>;
    const writes = await writesDuring(async () => {
      refused = await postVia(http(), site, author.claims, 'tråd');
    });
    expect(writes).toEqual([]);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'THREAD_CLOSED',
      details: { closedReason: 'closed_by_moderator' },
    });

    expect((await moderate(site, 'threads/reopen', { thread: 'tråd' })).status).toBe(200);
    expect((await postVia(http(), site, author.claims, 'tråd')).status).toBe(201);
  });

  it("when the subject's erasure has begun, then their very next post is refused with erasure_in_progress before it writes anything", async () => {
    const site = await createSite(h, RELAXED);
    const s = subject();
    await acceptedVia(http(), site, s.claims); // no erasure under way is cached

    const lastStep = holdAt('erasure.final.beforeProfile');
    const erasure = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s.claims));
    expect(erasure.status).toBe(202);
    await lastStep.reached;
    try {
      let late!: Awaited<ReturnType<typeof postVia>>;
      // The erasure waits at its checkpoint, so every write seen would be the post's.
      const writes = await writesDuring(async () => {
        late = await postVia(http(), site, s.claims, 't', 'Skrivet under raderingen');
      });
      expect(late.status).toBe(409);
      expect(late.body.error).toMatchObject({ code: 'CONFLICT', details: { reason: 'erasure_in_progress' } });
      expect(writes).toEqual([]); // refused before writing, not written and undone
    } finally {
      lastStep.release();
    }
    await completed(erasure.body.id);
    // The same login afterwards is a new profile, and writes again.
    expect((await postVia(http(), site, s.claims)).status).toBe(201);
  });
});
