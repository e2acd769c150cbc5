import { Types } from 'mongoose';
import { hiddenGenerationKey, siteGenerationKey } from '../src/infra/page-cache';
import { CommentDoc, CommentModel } from '../src/modules/comments/comment.model';
import { CommenterModel } from '../src/modules/commenters/commenter.model';
import { createComment, createCommenter, Commenter } from './helpers/factories';
import { createSite, TestSite, useHarness } from './helpers/harness';
import { servedFromMemory } from './helpers/page-cache';

// No workers: what is posted stays pending until the test publishes it.
const h = useHarness();

interface View {
  id: string;
  body: string;
  status: string;
  mine: boolean;
  replies?: View[];
  repliesCursor?: string | null;
}

async function page(site: TestSite, thread: string, reader?: Commenter, query: Record<string, unknown> = {}) {
  const res = await h.http
    .get(`/api/v1/sites/${site.id}/comments`)
    .query({ thread, ...query })
    .set(reader ? await reader.bearer() : {});
  expect(res.status).toBe(200);
  return res.body as { comments: View[]; nextCursor: string | null };
}

/** Publishes through the model, as a decision would: the write announces itself like any other. */
async function publish(...ids: string[]): Promise<void> {
  await CommentModel.updateMany(
    { _id: { $in: ids.map((id) => new Types.ObjectId(id)) } },
    { $set: { status: 'published' }, $inc: { version: 1 } },
  );
}

const post = async (site: TestSite, by: Commenter, thread: string, body: string, parentId?: string) =>
  (await createComment(h, site, { by, thread, body, parentId })).id;

describe('a reader’s own comments over the shared page', () => {
  it('when a reader posts, then their pending comment shows at once in their page, and readers without a login keep theirs from memory', async () => {
    const site = await createSite(h);
    const other = createCommenter(site);
    const reader = createCommenter(site);
    const first = await post(site, other, 'egen', 'Publicerad först');
    await publish(first);
    expect((await page(site, 'egen')).comments.map((c) => c.body)).toEqual(['Publicerad först']);
    const shared = await h.services.redis.client.get(siteGenerationKey(h.config.QUEUE_PREFIX, site.id));
    const hidden = await h.services.redis.client.get(hiddenGenerationKey(h.config.QUEUE_PREFIX, site.id));

    const pending = await post(site, reader, 'egen', 'Min väntande');
    const reply = await post(site, reader, 'egen', 'Mitt väntande svar', first);

    // A pending comment changes nothing readers without a login see: their page stays in memory.
    expect(await h.services.redis.client.get(siteGenerationKey(h.config.QUEUE_PREFIX, site.id))).toBe(shared);
    expect(await h.services.redis.client.get(hiddenGenerationKey(h.config.QUEUE_PREFIX, site.id))).not.toBe(hidden);
    const fromMemory = await servedFromMemory(h);
    expect((await page(site, 'egen')).comments).toMatchObject([{ body: 'Publicerad först', replies: [] }]);
    expect(await servedFromMemory(h)).toBe(fromMemory + 1);

    // A reader with a login and nothing of their own gets the stored answer, made private.
    const bystander = createCommenter(site);
    const before = await servedFromMemory(h);
    const theirs = await h.http
      .get(`/api/v1/sites/${site.id}/comments`)
      .query({ thread: 'egen' })
      .set(await bystander.bearer());
    expect(theirs.status).toBe(200);
    expect(theirs.headers['cache-control']).toBe('private, no-store');
    expect(theirs.body.comments).toMatchObject([{ id: first, mine: false, replies: [] }]);
    expect(await servedFromMemory(h)).toBe(before + 1);

    const own = await page(site, 'egen', reader);
    expect(own.comments).toMatchObject([
      { id: first, mine: false, replies: [{ id: reply, status: 'pending', mine: true }] },
      { id: pending, status: 'pending', mine: true, body: 'Min väntande' },
    ]);
    expect((await page(site, 'egen', other)).comments).toMatchObject([{ id: first, mine: true, replies: [] }]);

    // Published, it is everyone's: the shared page changes at once.
    await publish(pending);
    expect((await page(site, 'egen')).comments.map((c) => c.id)).toEqual([first, pending]);
    expect((await page(site, 'egen', reader)).comments).toMatchObject([
      { id: first, replies: [{ id: reply, status: 'pending' }] },
      { id: pending, status: 'published', mine: true },
    ]);
  });

  // Many pages, each a few queries that FerretDB on SQLite answers by reading every comment
  // the suite has stored so far: half a minute or more late in a full run, hence its own timeout.
  it('when a reader has comments of their own, then every page of theirs is what the database holds for them, in either order and at any page size', async () => {
    const site = await createSite(h, {
      rateLimits: { commentsPerCommenterPerMinute: 100, commentsPerIpPerMinute: 100 },
    });
    const reader = createCommenter(site);
    const others = [createCommenter(site), createCommenter(site)];
    const thread = 'sidor';
    const ids: string[] = [];
    const toPublish: string[] = [];
    for (let i = 0; i < 12; i++) {
      const mineToo = i % 3 === 0;
      const by = mineToo ? reader : (others[i % 2] as Commenter);
      const id = await post(site, by, thread, `Kommentar ${i}`);
      ids.push(id);
      // Most are published; some of the reader's and some of others' stay pending.
      if (i % 4 !== 3) toPublish.push(id);
    }
    await publish(...toPublish);
    const parent = ids[1] as string;
    toPublish.length = 0;
    for (let i = 0; i < 5; i++) {
      const id = await post(site, i % 2 === 0 ? reader : (others[0] as Commenter), thread, `Svar ${i}`, parent);
      if (i !== 2) toPublish.push(id);
    }
    await publish(...toPublish);
    const expected = await whatTheDatabaseShows(site, thread, reader);

    for (const sort of ['oldest', 'newest'] as const) {
      const order = sort === 'oldest' ? expected.top : [...expected.top].reverse();
      for (const limit of [1, 2, 5, 50]) {
        const seen: View[] = [];
        let cursor: string | null = null;
        do {
          const got: { comments: View[]; nextCursor: string | null } = await page(site, thread, reader, {
            sort,
            limit,
            ...(cursor ? { cursor } : {}),
          });
          expect(got.comments.length).toBeLessThanOrEqual(limit);
          seen.push(...got.comments);
          cursor = got.nextCursor;
        } while (cursor);
        expect({ sort, limit, ids: seen.map((c) => c.id) }).toEqual({ sort, limit, ids: order.map((c) => c.id) });
        for (const view of seen) {
          expect({ id: view.id, mine: view.mine }).toEqual({ id: view.id, mine: expected.mine.has(view.id) });
          expect({ id: view.id, replies: view.replies?.map((r) => [r.id, r.mine]) }).toEqual({
            id: view.id,
            replies: (expected.replies.get(view.id) ?? []).map((r) => [
              String(r._id),
              expected.mine.has(String(r._id)),
            ]),
          });
        }
      }
    }
  }, 120_000);
});

/** The reader's view straight from the collection: published and removed, and their own pending. */
async function whatTheDatabaseShows(site: TestSite, thread: string, reader: Commenter) {
  const profile = await CommenterModel.findOne({ siteId: site.id, sub: reader.sub }).lean();
  const visible = {
    siteId: site.id,
    threadKey: thread,
    $or: [{ status: { $in: ['published', 'removed'] } }, { status: 'pending', authorId: profile?._id }],
  };
  const all = await CommentModel.find(visible).sort({ createdAt: 1, _id: 1 }).lean<CommentDoc[]>();
  const replies = new Map<string, CommentDoc[]>();
  for (const c of all.filter((c) => c.parentId))
    replies.set(String(c.parentId), [...(replies.get(String(c.parentId)) ?? []), c]);
  return {
    top: all.filter((c) => !c.parentId).map((c) => ({ id: String(c._id) })),
    replies,
    mine: new Set(all.filter((c) => profile && c.authorId?.equals(profile._id)).map((c) => String(c._id))),
  };
}
