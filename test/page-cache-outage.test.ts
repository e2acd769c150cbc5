import { Types } from 'mongoose';
import { EmbeddedRedis } from '../src/dev/embedded-redis';
import { CommentModel } from '../src/modules/comments/comment.model';
import { allSitesGenerationKey, siteGenerationKey } from '../src/infra/page-cache';
import { createSite, eventually, Harness, startHarness, TestSite } from './helpers/harness';
import { pageCacheCount, servedFromMemory } from './helpers/page-cache';

/** Far fewer than the sites written to below: what may wait in memory must not grow with them. */
const WAITING_BOUND = 50;

// Each write during an outage waits up to a second for Redis, and the database is shared.
jest.setTimeout(90_000);

let redis: EmbeddedRedis;
let h: Harness;
beforeAll(async () => {
  redis = await EmbeddedRedis.start(); // our own Redis, so this file can stop, freeze and restart it
  // No workers: the only commands for Redis are this API process's own.
  h = await startHarness({ REDIS_URL: redis.url });
});
afterAll(async () => {
  redis.thaw();
  await h.close();
  await redis.stop();
});

const bodies = async (site: TestSite, thread: string) => {
  const res = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread });
  expect(res.status).toBe(200);
  return res.body.comments.map((c: { body: string }) => c.body);
};
async function publishedComment(site: TestSite, thread: string, body: string): Promise<Types.ObjectId> {
  const now = new Date();
  const doc = await CommentModel.create({
    siteId: site.id,
    threadKey: thread,
    body,
    status: 'published',
    createdAt: now,
    updatedAt: now,
  });
  return doc._id;
}
/** Writes through the model (so each announces itself) to 2000 sites in 40 writes, all at once. */
async function manyWrites(): Promise<void> {
  await Promise.all(
    Array.from({ length: 40 }, (_, i) => {
      const sites = Array.from({ length: 50 }, (_, k) => `elsewhere-${i}-${k}`);
      return CommentModel.updateMany({ siteId: { $in: sites } }, { $set: { body: 'x' } });
    }),
  );
}
const commandsReady = () =>
  eventually(
    async () => h.services.redis.commands.status === 'ready' && h.services.redis.client.status === 'ready',
    20_000,
  );

describe('page cache during a Redis outage', () => {
  it('when Redis is down during many writes, then what waits for it stays bounded, and reads are current during and after', async () => {
    const site = await createSite(h);
    const id = await publishedComment(site, 'nere', 'Före avbrottet');
    expect(await bodies(site, 'nere')).toEqual(['Före avbrottet']);

    await redis.stop();
    try {
      await CommentModel.updateOne({ _id: id, siteId: site.id }, { $set: { body: 'Under avbrottet' } });
      await manyWrites();
      expect(h.services.redis.waitingCommands()).toBeLessThanOrEqual(WAITING_BOUND);
      // 2001 sites to renew wait as one renewal of every site's generation.
      expect(h.services.pageCache.unconfirmedRenewals).toBe(1);
      expect(await bodies(site, 'nere')).toEqual(['Under avbrottet']);
    } finally {
      await redis.restart();
    }
    await commandsReady();
    expect(await bodies(site, 'nere')).toEqual(['Under avbrottet']);
    await eventually(async () => h.services.pageCache.unconfirmedRenewals === 0);
    await CommentModel.updateOne({ _id: id, siteId: site.id }, { $set: { body: 'Efter avbrottet' } });
    expect(await bodies(site, 'nere')).toEqual(['Efter avbrottet']);
    const hits = await servedFromMemory(h);
    expect(await bodies(site, 'nere')).toEqual(['Efter avbrottet']);
    expect(await servedFromMemory(h)).toBe(hits + 1); // sure again: the cache serves once more
  });

  it('when Redis hangs during many writes and reads, then what waits for it stays bounded, and the new generation reaches Redis once it answers', async () => {
    const site = await createSite(h);
    const quiet = await createSite(h);
    const id = await publishedComment(site, 'fryst', 'Före frysningen');
    await publishedComment(quiet, 'lugn', 'Orörd');
    expect(await bodies(site, 'fryst')).toEqual(['Före frysningen']);
    expect(await bodies(quiet, 'lugn')).toEqual(['Orörd']);
    const generation = async () =>
      (
        await h.services.redis.client.mget(
          siteGenerationKey(h.config.QUEUE_PREFIX, site.id),
          allSitesGenerationKey(h.config.QUEUE_PREFIX),
        )
      ).join(':');
    const generationBefore = await generation();

    redis.freeze();
    try {
      await CommentModel.updateOne({ _id: id, siteId: site.id }, { $set: { body: 'Under frysningen' } });
      await manyWrites();
      // Readers of an untouched site while Redis answers nothing: each may not leave a command behind.
      await Promise.all(Array.from({ length: 40 }, () => bodies(quiet, 'lugn')));
      expect(h.services.redis.waitingCommands()).toBeLessThanOrEqual(WAITING_BOUND);
      expect(h.services.pageCache.unconfirmedRenewals).toBeLessThanOrEqual(2); // the site's, sent; every site's, waiting
      const bypassed = await pageCacheCount(h, 'bypass');
      expect(await bodies(site, 'fryst')).toEqual(['Under frysningen']);
      expect(await pageCacheCount(h, 'bypass')).toBe(bypassed + 1);
    } finally {
      redis.thaw();
    }

    // Redis kept its data: the old generation is still there until this process's new tokens arrive.
    await eventually(async () => (await generation()) !== generationBefore);
    expect(await bodies(site, 'fryst')).toEqual(['Under frysningen']);
    await eventually(async () => h.services.pageCache.unconfirmedRenewals === 0);
    await CommentModel.updateOne({ _id: id, siteId: site.id }, { $set: { body: 'Efter frysningen' } });
    expect(await bodies(site, 'fryst')).toEqual(['Efter frysningen']);
    expect(await bodies(quiet, 'lugn')).toEqual(['Orörd']);
  });
});
