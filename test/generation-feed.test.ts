import { Types } from 'mongoose';
import { CommentModel } from '../src/modules/comments/comment.model';
import { createComment } from './helpers/factories';
import { createSite, eventually, TestSite, useHarness } from './helpers/harness';
import { cutFeedConnection, generationReads, otherProcess, servedFromMemory } from './helpers/page-cache';

// No workers: comments are published by the test, through the model (a write that announces itself).
const h = useHarness();

const bodies = async (site: TestSite, thread: string) => {
  const res = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread });
  expect(res.status).toBe(200);
  return res.body.comments.map((c: { body: string }) => c.body);
};

async function published(site: TestSite, thread: string, body: string): Promise<string> {
  const { id } = await createComment(h, site, { thread, body });
  await CommentModel.updateOne({ _id: id }, { $set: { status: 'published' }, $inc: { version: 1 } });
  return id;
}

/** Changes a stored comment behind the application's back, as no real write path can. */
const rewriteSilently = (id: string, body: string) =>
  CommentModel.collection.updateOne({ _id: new Types.ObjectId(id) }, { $set: { body } });

/** Until this process holds a lease again (its pings come back). */
const leaseHeld = () => eventually(leaseProbe);
async function leaseProbe(): Promise<boolean> {
  const before = await generationReads(h, 'pushed');
  await h.services.pageCache.generation('lease-probe');
  await h.services.pageCache.generation('lease-probe');
  return (await generationReads(h, 'pushed')) > before;
}

describe('generation feed', () => {
  it('when pages are read again, then the generation comes from what was pushed, without asking Redis', async () => {
    const site = await createSite(h);
    await published(site, 'push', 'Hej');
    expect(await bodies(site, 'push')).toEqual(['Hej']);
    await leaseHeld();
    const asked = await generationReads(h, 'redis');
    const fromMemory = await servedFromMemory(h);
    for (let i = 0; i < 10; i++) expect(await bodies(site, 'push')).toEqual(['Hej']);
    expect(await servedFromMemory(h)).toBe(fromMemory + 10);
    expect(await generationReads(h, 'redis')).toBe(asked);
  });

  it('when another process renews a generation, then its write answers once this process has the new token, and no earlier page is served', async () => {
    const site = await createSite(h);
    const id = await published(site, 'andra', 'Första');
    expect(await bodies(site, 'andra')).toEqual(['Första']);
    await leaseHeld();
    const other = await otherProcess(h);
    try {
      await rewriteSilently(id, 'Andra');
      const asked = await generationReads(h, 'redis');
      await other.renew([site.id]);
      expect(await bodies(site, 'andra')).toEqual(['Andra']);
      expect(await generationReads(h, 'redis')).toBe(asked); // told, not asked
    } finally {
      await other.close();
    }
  });

  it('when this process stops hearing the feed (its connection stalls), then another process’s write still answers, and this one asks Redis instead of serving an earlier page', async () => {
    const site = await createSite(h);
    const id = await published(site, 'tyst', 'Före');
    expect(await bodies(site, 'tyst')).toEqual(['Före']);
    await leaseHeld();
    const subscriber = h.services.pageCache.feed?.subscriber;
    const other = await otherProcess(h);
    // Held at a known point: nothing this process's subscription receives is read until resumed.
    subscriber?.stream.pause();
    try {
      await rewriteSilently(id, 'Under tystnaden');
      await other.renew([site.id]); // no acknowledgement comes: it waits out this process's lease
      const asked = await generationReads(h, 'redis');
      expect(await bodies(site, 'tyst')).toEqual(['Under tystnaden']);
      expect(await generationReads(h, 'redis')).toBeGreaterThan(asked);
    } finally {
      subscriber?.stream.resume();
      await other.close();
    }
    // Heard again: the lease comes back, and with it reads without a round trip.
    await leaseHeld();
    expect(await bodies(site, 'tyst')).toEqual(['Under tystnaden']);
  });

  it('when Redis drops the feed connection, then pushes missed meanwhile cannot leave an earlier page in use', async () => {
    const site = await createSite(h);
    const id = await published(site, 'bruten', 'Före');
    expect(await bodies(site, 'bruten')).toEqual(['Före']);
    await leaseHeld();
    await cutFeedConnection(h);
    const other = await otherProcess(h);
    try {
      await rewriteSilently(id, 'Efter');
      await other.renew([site.id]);
    } finally {
      await other.close();
    }
    expect(await bodies(site, 'bruten')).toEqual(['Efter']);
    await leaseHeld();
  });
});
