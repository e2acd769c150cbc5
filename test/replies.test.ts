import { Types } from 'mongoose';
import { CommenterModel } from '../src/modules/commenters/commenter.model';
import { CommentModel } from '../src/modules/comments/comment.model';
import { createSite, TestSite, useHarness } from './helpers/harness';
import { servedFromMemory } from './helpers/page-cache';

const h = useHarness();

interface View {
  id: string;
  body: string;
  status: string;
  parentId: string | null;
  replies?: View[];
  repliesCursor?: string | null;
}

const BASE = Date.parse('2024-03-01T10:00:00Z');

/** Stores comments directly (posting through the API is rate-limited per commenter). */
async function store(
  site: TestSite,
  thread: string,
  docs: Array<{ parentId?: Types.ObjectId; at: number; status?: string; authorId?: Types.ObjectId; body?: string }>,
): Promise<Types.ObjectId[]> {
  const rows = docs.map((d) => ({
    _id: new Types.ObjectId(),
    siteId: site.id,
    threadKey: thread,
    parentId: d.parentId ?? null,
    authorId: d.authorId ?? null,
    body: d.body ?? 'svar',
    status: d.status ?? 'published',
    createdAt: new Date(d.at),
    updatedAt: new Date(d.at),
  }));
  await CommentModel.insertMany(rows);
  return rows.map((r) => r._id);
}

const list = async (site: TestSite, thread: string, auth: Record<string, string> = {}) => {
  const res = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread }).set(auth);
  expect(res.status).toBe(200);
  return res.body as { comments: View[]; nextCursor: string | null };
};
const repliesPage = (
  site: TestSite,
  id: string,
  query: Record<string, string | number> = {},
  auth: Record<string, string> = {},
) => h.http.get(`/api/v1/sites/${site.id}/comments/${id}/replies`).query(query).set(auth);

/** Every reply of a top-level comment: the ones on the comment page, then its cursor followed. */
async function allReplies(
  site: TestSite,
  top: View,
  limit: number,
  auth: Record<string, string> = {},
): Promise<string[]> {
  const ids = (top.replies ?? []).map((r) => r.id);
  let cursor = top.repliesCursor ?? null;
  while (cursor) {
    const res = await repliesPage(site, top.id, { cursor, limit }, auth);
    expect(res.status).toBe(200);
    expect(res.body.replies.length).toBeLessThanOrEqual(limit);
    ids.push(...res.body.replies.map((r: View) => r.id));
    cursor = res.body.nextCursor;
  }
  return ids;
}

describe('replies', () => {
  it('when comments have more replies than a page shows (622 in all), then each shows its first 50 and every reply is reachable exactly once by its cursor', async () => {
    const site = await createSite(h);
    const [a, b, c, d] = await store(
      site,
      'många',
      [0, 1, 2, 3].map((i) => ({ at: BASE + i })),
    );
    // Replies of a and b interleave in time, and some share a timestamp (the id breaks the tie).
    const ofA = await store(
      site,
      'många',
      Array.from({ length: 320 }, (_, i) => ({ parentId: a, at: BASE + 1000 + 2 * Math.floor(i / 3) })),
    );
    const ofB = await store(
      site,
      'många',
      Array.from({ length: 300 }, (_, i) => ({ parentId: b, at: BASE + 1001 + 2 * i })),
    );
    const ofD = await store(site, 'många', [
      { parentId: d, at: BASE + 5000 },
      { parentId: d, at: BASE + 5001 },
    ]);
    const inOrder = (ids: Types.ObjectId[]) => ids.map(String); // stored in creation order, ties in id order

    const page = await list(site, 'många');
    expect(page.comments.map((x) => x.id)).toEqual([a, b, c, d].map(String));
    const [ta, tb, tc, td] = page.comments as [View, View, View, View];
    expect(ta.replies).toHaveLength(50);
    expect(ta.repliesCursor).toEqual(expect.any(String));
    expect(tb.replies).toHaveLength(50);
    expect(tc).toMatchObject({ replies: [], repliesCursor: null });
    expect(td.replies?.map((r) => r.id)).toEqual(inOrder(ofD));
    expect(td.repliesCursor).toBeNull();

    expect(await allReplies(site, ta, 37)).toEqual(inOrder(ofA));
    expect(await allReplies(site, tb, 100)).toEqual(inOrder(ofB));
    const first = await repliesPage(site, String(a));
    expect(first.status).toBe(200);
    expect(first.body.replies.map((r: View) => r.id)).toEqual(inOrder(ofA).slice(0, 50)); // default limit, from the start
    expect(first.body.replies[0]).toMatchObject({ parentId: String(a), status: 'published', body: 'svar' });
  });

  it('when a commenter has a pending reply, then only they see it in the reply pages; an anonymous page is cached and a new reply shows at once', async () => {
    const site = await createSite(h);
    const [top] = (await store(site, 'egna', [{ at: BASE }])) as [Types.ObjectId];
    await store(
      site,
      'egna',
      Array.from({ length: 55 }, (_, i) => ({ parentId: top, at: BASE + 10 + i })),
    );
    const author = await CommenterModel.create({
      siteId: site.id,
      sub: 'own-replier',
      name: 'Ulla Svarsson',
      createdAt: new Date(),
      lastSeenAt: new Date(),
    });
    const [pending] = (await store(site, 'egna', [
      { parentId: top, at: BASE + 500, status: 'pending', authorId: author._id, body: 'Mitt väntande svar' },
    ])) as [Types.ObjectId];
    const auth = await site.bearer({ sub: 'own-replier', name: 'Ulla Svarsson' });

    const mine = (await list(site, 'egna', auth)).comments[0] as View;
    const seenByAuthor = await allReplies(site, mine, 4, auth);
    expect(seenByAuthor).toHaveLength(56);
    expect(seenByAuthor[55]).toBe(String(pending));
    const anonymousTop = (await list(site, 'egna')).comments[0] as View;
    expect(await allReplies(site, anonymousTop, 4)).toHaveLength(55);

    const hits = () => servedFromMemory(h);
    const cursor = anonymousTop.repliesCursor as string;
    expect((await repliesPage(site, String(top), { cursor })).body.replies).toHaveLength(5);
    const before = await hits();
    expect((await repliesPage(site, String(top), { cursor })).body.replies).toHaveLength(5);
    expect(await hits()).toBe(before + 1);
    await CommentModel.updateOne({ _id: pending, siteId: site.id }, { $set: { status: 'published' } });
    const after = await repliesPage(site, String(top), { cursor });
    expect(after.body.replies.map((r: View) => r.body)).toContain('Mitt väntande svar');
  });

  it('when a reply page is asked wrongly, then 400 or 404 with the contract codes; a reply has no replies of its own', async () => {
    const site = await createSite(h);
    const other = await createSite(h);
    const [top, hidden] = (await store(site, 'fel', [{ at: BASE }, { at: BASE + 1, status: 'rejected' }])) as [
      Types.ObjectId,
      Types.ObjectId,
    ];
    const [reply] = (await store(site, 'fel', [{ parentId: top, at: BASE + 2 }])) as [Types.ObjectId];
    const code = async (res: Promise<{ status: number; body: { error?: { code: string } } }>) => {
      const r = await res;
      return [r.status, r.body.error?.code];
    };
    expect(await code(repliesPage(site, String(top), { cursor: 'inte-en-markör' }))).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    expect(await code(repliesPage(site, String(top), { limit: 0 }))).toEqual([400, 'VALIDATION_FAILED']);
    expect(await code(repliesPage(site, String(top), { limit: 101 }))).toEqual([400, 'VALIDATION_FAILED']);
    expect(await code(repliesPage(site, String(top), { sort: 'newest' }))).toEqual([400, 'VALIDATION_FAILED']);
    expect(await code(h.http.get(`/api/v1/sites/${site.id}/comments/${top}/replies?cursor[$gt]=x`))).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    expect(await code(repliesPage(site, 'inte-ett-id'))).toEqual([404, 'NOT_FOUND']);
    expect(await code(repliesPage(site, String(new Types.ObjectId())))).toEqual([404, 'NOT_FOUND']);
    expect(await code(repliesPage(site, String(hidden)))).toEqual([404, 'NOT_FOUND']);
    expect(await code(repliesPage(other, String(top)))).toEqual([404, 'NOT_FOUND']);
    expect(await code(h.http.get(`/api/v1/sites/no-such-site/comments/${top}/replies`))).toEqual([404, 'NOT_FOUND']);
    const ofReply = await repliesPage(site, String(reply));
    expect(ofReply.status).toBe(200);
    expect(ofReply.body).toEqual({ replies: [], nextCursor: null });
  });

  it('when /openapi.json is read, then it describes the reply pages and the reply cursor on comment pages', async () => {
    const doc = (await h.http.get('/openapi.json')).body;
    const replies = doc.paths['/api/v1/sites/{site}/comments/{id}/replies'].get;
    expect(replies.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['site', 'id', 'cursor', 'limit']),
    );
    expect(replies.responses['200'].content['application/json'].schema.properties).toHaveProperty('nextCursor');
    const page = doc.paths['/api/v1/sites/{site}/comments'].get.responses['200'].content['application/json'].schema;
    expect(page.properties.comments.items.properties).toHaveProperty('repliesCursor');
  });
});
