import { CommentModel } from '../src/modules/comments/comment.model';
import { createSite, eventually, TestSite, useHarness } from './helpers/harness';

const h = useHarness({}, { workers: true });

async function post(
  site: TestSite,
  body: Record<string, unknown>,
  claims: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return h.http
    .post(`/api/v1/sites/${site.id}/comments`)
    .set(await site.bearer(claims))
    .set(headers)
    .send(body);
}

describe('comments', () => {
  it('when a commenter posts, then the comment is stored pending, moderated on the real queue and published to readers', async () => {
    const site = await createSite(h);
    const res = await post(site, { thread: '/artikel/1', body: '  Bra skrivet!  ' });
    expect(res.status).toBe(201);
    expect(res.body.comment).toMatchObject({
      thread: '/artikel/1',
      body: 'Bra skrivet!',
      status: 'pending',
      mine: true,
      author: { name: 'Anna Andersson' },
      parentId: null,
    });

    const published = await eventually(async () => {
      const list = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: '/artikel/1' });
      return list.body.comments?.[0]?.status === 'published' ? list.body : undefined;
    });
    expect(published.comments).toHaveLength(1);
    expect(published.comments[0].mine).toBe(false);
    const state = await h.http.get(`/api/v1/sites/${site.id}/thread`).query({ key: '/artikel/1' });
    expect(state.body.thread).toMatchObject({ key: '/artikel/1', status: 'open', commentCount: 1, maxLength: 300 });
  });

  it('when an unknown thread is read, then it is open and empty', async () => {
    const site = await createSite(h);
    const state = await h.http.get(`/api/v1/sites/${site.id}/thread`).query({ key: '/ingen/sådan' });
    expect(state.status).toBe(200);
    expect(state.body.thread).toMatchObject({ status: 'open', closedReason: null, commentCount: 0, maxLength: 300 });
    expect(state.body.site.locale).toBe('sv');
    expect(state.body.site.privacyNotice.sv.title).toBe('Behandling av personuppgifter');
    const list = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: '/ingen/sådan' });
    expect(list.body).toEqual({ comments: [], nextCursor: null });
  });

  it('when a site is in pre-moderation, then others do not see a pending comment but its author does', async () => {
    const site = await createSite(h, { moderation: { mode: 'pre' } });
    const created = await post(site, { thread: 't', body: 'Väntar på granskning' });
    expect(created.status).toBe(201);
    const anonymous = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 't' });
    expect(anonymous.body.comments).toHaveLength(0);
    const other = await h.http
      .get(`/api/v1/sites/${site.id}/comments`)
      .query({ thread: 't' })
      .set(await site.bearer({ sub: 'user-2', name: 'Bo' }));
    expect(other.body.comments).toHaveLength(0);
    const own = await h.http
      .get(`/api/v1/sites/${site.id}/comments`)
      .query({ thread: 't' })
      .set(await site.bearer());
    expect(own.body.comments).toHaveLength(1);
    expect(own.body.comments[0]).toMatchObject({ status: 'pending', mine: true });
  });

  it('when writing without a token, then 401 LOGIN_REQUIRED in Swedish by default and English on request', async () => {
    const site = await createSite(h);
    const sv = await h.http.post(`/api/v1/sites/${site.id}/comments`).send({ thread: 't', body: 'hej' });
    expect(sv.status).toBe(401);
    expect(sv.body.error).toMatchObject({
      code: 'LOGIN_REQUIRED',
      message: 'Du måste vara inloggad för att få kommentera.',
    });
    const en = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set('Accept-Language', 'en-GB,en;q=0.9')
      .send({ thread: 't', body: 'hej' });
    expect(en.body.error.message).toBe('You must be logged in to comment.');
  });

  it('when paging through 25 comments, then cursors return each exactly once, oldest or newest first', async () => {
    const site = await createSite(h, { rateLimits: { commentsPerCommenterPerMinute: 100 } });
    for (let i = 0; i < 25; i++) {
      await CommentModel.create({
        siteId: site.id,
        threadKey: 'p',
        body: `nr ${i}`,
        status: 'published',
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
        updatedAt: new Date(),
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string | number> = { thread: 'p', limit: 10 };
      if (cursor) query.cursor = cursor;
      const page = await h.http.get(`/api/v1/sites/${site.id}/comments`).query(query);
      expect(page.status).toBe(200);
      seen.push(...page.body.comments.map((c: { body: string }) => c.body));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `nr ${i}`));
    const newest = await h.http
      .get(`/api/v1/sites/${site.id}/comments`)
      .query({ thread: 'p', sort: 'newest', limit: 3 });
    expect(newest.body.comments.map((c: { body: string }) => c.body)).toEqual(['nr 24', 'nr 23', 'nr 22']);
    const bad = await h.http
      .get(`/api/v1/sites/${site.id}/comments`)
      .query({ thread: 'p', cursor: 'bm90LWEtY3Vyc29y' });
    expect(bad.status).toBe(400);
  });

  it('when replying to a reply, then the reply attaches one level deep to the top-level comment', async () => {
    const site = await createSite(h);
    const top = await post(site, { thread: 'r', body: 'Första' });
    await eventually(async () => (await CommentModel.findById(top.body.comment.id).lean())?.status === 'published');
    const reply = await post(
      site,
      { thread: 'r', body: 'Svar', parentId: top.body.comment.id },
      { sub: 'user-2', name: 'Bo' },
    );
    expect(reply.status).toBe(201);
    await eventually(async () => (await CommentModel.findById(reply.body.comment.id).lean())?.status === 'published');
    const nested = await post(site, { thread: 'r', body: 'Svar på svar', parentId: reply.body.comment.id });
    expect(nested.body.comment.parentId).toBe(top.body.comment.id);
    await eventually(async () => (await CommentModel.findById(nested.body.comment.id).lean())?.status === 'published');
    const list = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 'r' });
    expect(list.body.comments).toHaveLength(1);
    expect(list.body.comments[0].replies.map((c: { body: string }) => c.body)).toEqual(['Svar', 'Svar på svar']);
    const unknownParent = await post(site, { thread: 'r', body: 'x', parentId: 'aaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(unknownParent.status).toBe(404);
  });
});
