import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { CommentModel } from '../src/modules/comments/comment.model';
import { removeComments } from '../src/modules/comments/comment-removal';
import { allSitesGenerationKey, siteGenerationKey } from '../src/infra/page-cache';
import { onSiteChange } from '../src/infra/site-changes';
import { moderationJob } from '../src/modules/moderation/moderation.job';
import { createSite, eventually, TestSite, useHarness } from './helpers/harness';
import { MODERATOR } from './helpers/moderation';
import { cutFeedConnection, otherProcess, pageCacheCount, servedFromMemory } from './helpers/page-cache';

/** The smallest budget the configuration allows, so a test can fill it. */
const BUDGET_BYTES = 1024 * 1024;

const h = useHarness({ PAGE_CACHE_MB: '1' }, { workers: true });

const bodies = async (site: TestSite, thread: string, auth: Record<string, string> = {}) => {
  const res = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread }).set(auth);
  expect(res.status).toBe(200);
  return res.body.comments.map((c: { body: string }) => c.body);
};
/** Changes a stored comment behind the application's back, as no real write path can. */
const rewriteSilently = async (id: string, body: string) => {
  const result = await CommentModel.collection.updateOne({ _id: new Types.ObjectId(id) }, { $set: { body } });
  expect(result.modifiedCount).toBe(1);
};
const generationKey = (site: TestSite) => siteGenerationKey(h.config.QUEUE_PREFIX, site.id);

async function published(site: TestSite, thread: string, body: string): Promise<string> {
  const res = await h.http
    .post(`/api/v1/sites/${site.id}/comments`)
    .set(await site.bearer({ sub: `u-${randomUUID()}` }))
    .send({ thread, body });
  expect(res.status).toBe(201);
  await eventually(async () => (await CommentModel.findById(res.body.comment.id).lean())?.status === 'published');
  // The decision is visible a moment before the worker's write has announced itself
  // (the plugin's hook runs after the write); once the job is done, it has.
  await eventually(async () => {
    const jobs = await h.services.jobQueues.of(moderationJob).counts();
    return jobs.active + jobs.waiting + jobs.delayed === 0;
  });
  return res.body.comment.id;
}

describe('public page cache', () => {
  it('when readers read a page again, with a login or without, then it comes from memory', async () => {
    const site = await createSite(h);
    const id = await published(site, 'p', 'Första lydelsen');
    expect(await bodies(site, 'p')).toEqual(['Första lydelsen']);
    const hits = await servedFromMemory(h);

    // Only a change no write path can make goes unseen: it proves where the answers come from.
    await rewriteSilently(id, 'Tyst ändrad');
    expect(await bodies(site, 'p')).toEqual(['Första lydelsen']);
    expect(await servedFromMemory(h)).toBe(hits + 1);
    expect(await bodies(site, 'p', await site.bearer({ sub: 'reader-1', name: 'Rut Läsare' }))).toEqual([
      'Första lydelsen',
    ]);
    expect(await servedFromMemory(h)).toBe(hits + 2);
  });

  it('when many readers read at the same moment, then one of them loads the page and all are served from memory', async () => {
    const site = await createSite(h);
    let loads = 0;
    const load = async () => {
      loads += 1;
      return { page: 'cold' };
    };
    const bypassed = await pageCacheCount(h, 'bypass');
    // Forty reads in one tick: each asks Redis for the site's generation at the same time.
    const cold = await Promise.all(Array.from({ length: 40 }, () => h.services.pageCache.read(site.id, 'q', load)));
    expect(cold.every((p) => p.page === 'cold')).toBe(true);
    expect(loads).toBe(1);
    const hits = await servedFromMemory(h);
    await Promise.all(Array.from({ length: 40 }, () => h.services.pageCache.read(site.id, 'q', load)));
    expect(loads).toBe(1);
    expect(await servedFromMemory(h)).toBe(hits + 40);
    expect(await pageCacheCount(h, 'bypass')).toBe(bypassed);
  });

  it('when a moderator decides, an author edits or deletes, then the next anonymous read shows it at once', async () => {
    const site = await createSite(h, { moderation: { mode: 'pre' }, editWindowMinutes: 15 });
    const author = { sub: 'author-1', name: 'Alva Author' };
    const posted = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer(author))
      .send({ thread: 'd', body: 'Väntar på beslut' });
    await eventually(async () => (await CommentModel.findById(posted.body.comment.id).lean())?.held); // the worker held it for a person
    expect(await bodies(site, 'd')).toEqual([]);

    const decision = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/comments/${posted.body.comment.id}/decision`)
      .set(await site.bearer(MODERATOR))
      .send({ action: 'approve' });
    expect(decision.status).toBe(200);
    expect(await bodies(site, 'd')).toEqual(['Väntar på beslut']);

    const edit = await h.http
      .patch(`/api/v1/comments/${posted.body.comment.id}`)
      .set(await site.bearer(author))
      .send({ body: 'Ändrad text' });
    expect(edit.status).toBe(200);
    expect(await bodies(site, 'd')).toEqual([]); // pre-moderation: the edit waits for a moderator again

    const postModerated = await createSite(h);
    const other = await published(postModerated, 'd2', 'Tas bort');
    expect(await bodies(postModerated, 'd2')).toEqual(['Tas bort']);
    expect(
      (
        await h.http
          .delete(`/api/v1/comments/${other}?reasonId=utanfor_amnet`)
          .set(await postModerated.bearer(MODERATOR))
      ).status,
    ).toBe(204);
    expect(await bodies(postModerated, 'd2')).toEqual([]);
  });

  it('when the thread state is read again, then it comes from memory; a new comment or closing the thread shows at once', async () => {
    const site = await createSite(h);
    await published(site, 's', 'Först');
    const state = async () => (await h.http.get(`/api/v1/sites/${site.id}/thread`).query({ key: 's' })).body.thread;
    expect(await state()).toMatchObject({ status: 'open', commentCount: 1 });
    const hits = await servedFromMemory(h);
    expect(await state()).toMatchObject({ status: 'open', commentCount: 1 });
    expect(await servedFromMemory(h)).toBe(hits + 1);

    await published(site, 's', 'Sedan');
    expect(await state()).toMatchObject({ status: 'open', commentCount: 2 });
    const close = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/threads/close`)
      .set(await site.bearer(MODERATOR))
      .send({ thread: 's', reason: 'Klart' });
    expect(close.status).toBe(200);
    expect(await state()).toMatchObject({ status: 'closed', closedReason: 'closed_by_moderator', commentCount: 2 });
    // A write to the thread alone (no commenter profile touched) is announced as well.
    await h.services.threads.reopen(await h.services.sites.get(site.id), 's', { kind: 'system' });
    expect(await state()).toMatchObject({ status: 'open', commentCount: 2 });
  });

  it('when the subject is erased by a worker, then no cached page still shows their name or text', async () => {
    const site = await createSite(h);
    const subject = { sub: `gone-${randomUUID()}`, name: 'Greta Glömd', email: 'greta@example.se' };
    const res = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer(subject))
      .send({ thread: 'e', body: 'Glöm mig' });
    await eventually(async () => (await CommentModel.findById(res.body.comment.id).lean())?.status === 'published');
    const before = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 'e' });
    expect(JSON.stringify(before.body)).toContain('Greta Glömd');

    const erasure = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(subject));
    expect(erasure.status).toBe(202);
    // Completed, as the subject would see it: every step's writes have announced themselves.
    await eventually(
      async () =>
        (await h.http.get(`/api/v1/erasure-requests/${erasure.body.id}`).query({ token: erasure.body.receiptToken }))
          .body.status === 'completed',
      30_000,
    );
    expect(await CommentModel.findById(res.body.comment.id).lean()).toBeNull();
    const after = JSON.stringify((await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 'e' })).body);
    expect(after).not.toContain('Greta Glömd');
    expect(after).not.toContain('Glöm mig');
  });

  it('when another process announces a change, or Redis restarts empty, then no earlier page is served', async () => {
    const site = await createSite(h);
    const id = await published(site, 'g', 'Version ett');
    expect(await bodies(site, 'g')).toEqual(['Version ett']);

    const pagesBefore = h.services.pageCache.size;

    // Another API process or worker writes and gives the site a new generation token.
    await rewriteSilently(id, 'Version två');
    const other = await otherProcess(h);
    try {
      await other.renew([site.id]);
    } finally {
      await other.close();
    }
    expect(await bodies(site, 'g')).toEqual(['Version två']);
    expect(h.services.pageCache.size).toBe(pagesBefore); // the page of the old generation left memory

    // Redis restarted empty: connections drop, a missing token is replaced by a fresh one, never an old one.
    await rewriteSilently(id, 'Version tre');
    await h.services.redis.client.del(generationKey(site), allSitesGenerationKey(h.config.QUEUE_PREFIX));
    await cutFeedConnection(h);
    expect(await bodies(site, 'g')).toEqual(['Version tre']);
  });

  it('when a write goes through the models, then the site gets a new generation token in Redis', async () => {
    const site = await createSite(h);
    await bodies(site, 'x'); // makes the token
    const before = await h.services.redis.client.get(generationKey(site));
    expect(before).toEqual(expect.any(String));
    await published(site, 'x', 'Något nytt');
    expect(await h.services.redis.client.get(generationKey(site))).not.toBe(before);
  });

  it('when a removal leaves a tombstone and deletes a comment, then its writes announce their site once, and no other', async () => {
    const site = await createSite(h);
    const parent = await published(site, 'r', 'Får ett svar');
    const alone = await published(site, 'r', 'Står ensam');
    const reply = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer({ sub: `u-${randomUUID()}` }))
      .send({ thread: 'r', body: 'Ett svar', parentId: parent });
    expect(reply.status).toBe(201);
    await eventually(async () => (await CommentModel.findById(reply.body.comment.id).lean())?.status === 'published');
    await eventually(async () => {
      const jobs = await h.services.jobQueues.of(moderationJob).counts();
      return jobs.active + jobs.waiting + jobs.delayed === 0;
    });

    const announced: Array<string[] | 'all'> = [];
    const stop = onSiteChange(async (sites) => {
      if (sites === 'all' || sites.includes(site.id)) announced.push(sites);
    });
    try {
      const removed = await removeComments(site.id, [new Types.ObjectId(parent), new Types.ObjectId(alone)], {
        actor: { kind: 'system' },
        reason: 'retention',
      });
      expect(removed).toEqual({ deleted: 1, tombstoned: 1, reports: 0 });
    } finally {
      stop();
    }
    expect(announced).toEqual([[site.id]]);
    expect(await bodies(site, 'r')).toEqual(['']);
  });

  it('when many long /counts queries are read, then their keys count against the memory budget too', async () => {
    const site = await createSite(h);
    // 40 keys of ~300 characters: a query as long as a URL may be, for a tiny answer.
    const longQuery = (i: number) => Array.from({ length: 40 }, (_, k) => `key=${'k'.repeat(290)}-${i}-${k}`).join('&');
    for (let i = 0; i < 120; i++) {
      const res = await h.http.get(`/api/v1/sites/${site.id}/counts?${longQuery(i)}`);
      expect(res.status).toBe(200);
      expect(res.body.threads).toHaveLength(40);
    }
    expect(h.services.pageCache.heldBytes()).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(h.services.pageCache.size).toBeGreaterThan(100); // small entries: the budget still holds many

    const hits = await servedFromMemory(h);
    expect((await h.http.get(`/api/v1/sites/${site.id}/counts?${longQuery(119)}`)).status).toBe(200);
    expect(await servedFromMemory(h)).toBe(hits + 1);
  });
});
