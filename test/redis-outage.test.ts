import { EmbeddedRedis } from '../src/dev/embedded-redis';
import { CommentModel } from '../src/modules/comments/comment.model';
import { OutboxModel } from '../src/modules/moderation/outbox.model';
import { EventModel } from '../src/modules/events/event.model';
import { createCommenter } from './helpers/factories';
import { createSite, eventually, Harness, startHarness, TestSite } from './helpers/harness';
import { MODERATOR } from './helpers/moderation';
import { pageCacheCount } from './helpers/page-cache';

let redis: EmbeddedRedis;
let h: Harness;
beforeAll(async () => {
  redis = await EmbeddedRedis.start(); // our own Redis, so this file can stop and restart it
  h = await startHarness({ REDIS_URL: redis.url });
  await h.startWorkers();
});
afterAll(async () => {
  await h.close();
  await redis.stop();
});

describe('writing while Redis is down', () => {
  it('when Redis is down, then a comment is still accepted and stored with its event, /readyz says so, the event is handed out, and the comment is moderated once Redis is back', async () => {
    const site = await createSite(h);
    await redis.stop();
    const ready = await h.http.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.redis).toBe(false);

    const res = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer())
      .send({ thread: 'nere', body: 'Skrivet medan Redis var borta' });
    expect(res.status).toBe(201);
    const stored = await CommentModel.findById(res.body.comment.id).lean();
    expect(stored?.status).toBe('pending');
    expect(await OutboxModel.countDocuments({ commentId: stored!._id })).toBe(1);
    // The feed is in MongoDB: the post's event is stored, and the dispatcher hands it out without Redis.
    const created = { type: 'comment.created', 'data.commentId': res.body.comment.id };
    await eventually(async () => (await EventModel.findOne(created).lean())?.state === 'dispatched', 30_000);
    const bypassed = () => pageCacheCount(h, 'bypass');
    const bypassedBefore = await bypassed();
    const read = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 'nere' });
    expect(read.status).toBe(200);
    expect(await bypassed()).toBe(bypassedBefore + 1); // the page cache steps aside without its tokens

    await redis.restart();
    await eventually(
      async () => (await CommentModel.findById(res.body.comment.id).lean())?.status === 'published',
      30_000,
    );
    const published = { type: 'comment.published', 'data.commentId': res.body.comment.id };
    await eventually(async () => (await EventModel.findOne(published).lean())?.state === 'dispatched', 30_000);
  });
});

describe('banning while Redis is down', () => {
  const post = async (site: TestSite, claims: Record<string, unknown>) =>
    (
      await h.http
        .post(`/api/v1/sites/${site.id}/comments`)
        .set(await site.bearer(claims))
        .send({ thread: 'nere', body: 'Hej' })
    ).status;
  const ban = async (site: TestSite, sub: string, method: 'post' | 'delete') =>
    h.http[method](`/api/v1/sites/${site.id}/moderation/users/${sub}/ban`)
      .set(await site.bearer(MODERATOR))
      .send(method === 'post' ? { reasonId: 'krankande_sprak', reason: 'Spam' } : {});

  it('when Redis is down, then a ban is stored and answers 503 (other processes may not have heard of it), the commenter is refused at once here, and once Redis is back bans answer as usual', async () => {
    const site = await createSite(h);
    const author = createCommenter(site);
    expect(await post(site, author.claims)).toBe(201); // the site's bans are cached: none
    await redis.stop();
    const refused = await ban(site, author.sub, 'post');
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('UNAVAILABLE');
    expect(await post(site, author.claims)).toBe(403); // this process reads bans from the database meanwhile

    await redis.restart();
    await eventually(async () => h.services.redis.commands.status === 'ready', 30_000);
    expect(await post(site, author.claims)).toBe(403);
    expect((await ban(site, author.sub, 'delete')).status).toBe(204);
    expect(await post(site, author.claims)).toBe(201);
  });
});
