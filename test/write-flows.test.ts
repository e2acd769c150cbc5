import { CommentModel } from '../src/modules/comments/comment.model';
import { IdempotencyModel } from '../src/modules/comments/idempotency.model';
import { createSite, eventually, Harness, startHarness, TestSite } from './helpers/harness';

let h: Harness;
beforeAll(async () => { h = await startHarness(); await h.startWorkers(); });
afterAll(async () => { await h.close(); });

const published = (id: string) => eventually(async () => (await CommentModel.findById(id).lean())?.status === 'published');

async function post(site: TestSite, body: string, thread = 't', claims: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return h.http.post(`/api/v1/sites/${site.id}/comments`).set(await site.bearer(claims)).set(headers).send({ thread, body });
}

describe('idempotent posting', () => {
  it('when a POST is retried with the same Idempotency-Key, then the first comment is returned and only one exists', async () => {
    const site = await createSite(h);
    const first = await post(site, 'En gång', 't', {}, { 'Idempotency-Key': 'retry-123' });
    const retry = await post(site, 'En gång', 't', {}, { 'Idempotency-Key': 'retry-123' });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.comment.id).toBe(first.body.comment.id);
    expect(await CommentModel.countDocuments({ siteId: site.id })).toBe(1);
  });

  it('when ten retries with one key race each other, then exactly one comment is made', async () => {
    const site = await createSite(h, { rateLimits: { commentsPerCommenterPerMinute: 100 } });
    const results = await Promise.all(Array.from({ length: 10 }, () => post(site, 'Kapplöpning', 't', {}, { 'Idempotency-Key': 'race-1' })));
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.body.comment.id)).size).toBe(1);
    expect(await CommentModel.countDocuments({ siteId: site.id })).toBe(1);
  });

  it('when two commenters use the same key, then each gets their own comment', async () => {
    const site = await createSite(h);
    const a = await post(site, 'A', 't', { sub: 'a', name: 'A' }, { 'Idempotency-Key': 'same' });
    const b = await post(site, 'B', 't', { sub: 'b', name: 'B' }, { 'Idempotency-Key': 'same' });
    expect(a.body.comment.id).not.toBe(b.body.comment.id);
  });

  it('when the key is not stored in clear, then the database holds only its hash', async () => {
    const site = await createSite(h);
    await post(site, 'Hash', 't', {}, { 'Idempotency-Key': 'secret-key-value' });
    const records = await IdempotencyModel.find({ siteId: site.id }).lean();
    expect(records).toHaveLength(1);
    expect(JSON.stringify(records)).not.toContain('secret-key-value');
  });
});

describe('editing and deleting own comments', () => {
  it('when the author edits inside the window, then the text changes, the comment goes back to pending and is moderated again', async () => {
    const site = await createSite(h);
    const created = await post(site, 'Första versionen');
    await published(created.body.comment.id);
    const edited = await h.http.patch(`/api/v1/comments/${created.body.comment.id}`).set(await site.bearer()).send({ body: 'Andra versionen' });
    expect(edited.status).toBe(200);
    expect(edited.body.comment).toMatchObject({ body: 'Andra versionen', status: 'pending' });
    expect(edited.body.comment.editedAt).not.toBeNull();
    await published(created.body.comment.id);
    const stored = await CommentModel.findById(created.body.comment.id).lean();
    expect(stored?.revision).toBe(2);
  });

  it('when someone else edits or deletes the comment, then 403 FORBIDDEN', async () => {
    const site = await createSite(h);
    const created = await post(site, 'Min');
    const other = await site.bearer({ sub: 'intruder', name: 'Inkräktare' });
    expect((await h.http.patch(`/api/v1/comments/${created.body.comment.id}`).set(other).send({ body: 'Din' })).status).toBe(403);
    expect((await h.http.delete(`/api/v1/comments/${created.body.comment.id}`).set(other)).status).toBe(403);
  });

  it('when the edit window has passed, then 409 EDIT_WINDOW_CLOSED', async () => {
    const site = await createSite(h, { editWindowMinutes: 15 });
    const created = await post(site, 'Gammal');
    // Let the worker finish first: FerretDB rewrites whole documents, so a concurrent
    // update from the worker could otherwise undo this test's change.
    await published(created.body.comment.id);
    await CommentModel.updateOne({ _id: created.body.comment.id }, { $set: { createdAt: new Date(Date.now() - 16 * 60_000) } });
    const res = await h.http.patch(`/api/v1/comments/${created.body.comment.id}`).set(await site.bearer()).send({ body: 'Ny' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('EDIT_WINDOW_CLOSED');
  });

  it('when an edit is over the limit, then 422 COMMENT_TOO_LONG and the stored text is unchanged', async () => {
    const site = await createSite(h);
    const created = await post(site, 'Kort');
    const res = await h.http.patch(`/api/v1/comments/${created.body.comment.id}`).set(await site.bearer()).send({ body: 'x'.repeat(301) });
    expect(res.status).toBe(422);
    expect((await CommentModel.findById(created.body.comment.id).lean())?.body).toBe('Kort');
  });

  it('when the author deletes a comment without replies, then it is gone', async () => {
    const site = await createSite(h);
    const created = await post(site, 'Bort');
    const res = await h.http.delete(`/api/v1/comments/${created.body.comment.id}`).set(await site.bearer());
    expect(res.status).toBe(204);
    expect(await CommentModel.findById(created.body.comment.id).lean()).toBeNull();
  });

  it('when the author deletes a comment that has replies, then a tombstone without text or author keeps the replies in place', async () => {
    const site = await createSite(h);
    const parent = await post(site, 'Förälder');
    await published(parent.body.comment.id);
    const reply = await h.http.post(`/api/v1/sites/${site.id}/comments`).set(await site.bearer({ sub: 'u2', name: 'Bo' })).send({ thread: 't', body: 'Svar', parentId: parent.body.comment.id });
    await published(reply.body.comment.id);

    expect((await h.http.delete(`/api/v1/comments/${parent.body.comment.id}`).set(await site.bearer())).status).toBe(204);
    const list = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 't' });
    expect(list.body.comments).toHaveLength(1);
    expect(list.body.comments[0]).toMatchObject({ status: 'removed', body: '', author: null });
    expect(list.body.comments[0].replies[0]).toMatchObject({ body: 'Svar', author: { name: 'Bo' } });
    const stored = await CommentModel.findById(parent.body.comment.id).lean();
    expect(stored).toMatchObject({ body: '', authorId: null, ipHash: null });

    // When the last reply goes too, the empty tombstone goes with it.
    await h.http.delete(`/api/v1/comments/${reply.body.comment.id}`).set(await site.bearer({ sub: 'u2', name: 'Bo' }));
    expect(await CommentModel.countDocuments({ siteId: site.id })).toBe(0);
  });

  it('when a comment id is unknown, then 404 NOT_FOUND', async () => {
    const site = await createSite(h);
    const res = await h.http.patch('/api/v1/comments/aaaaaaaaaaaaaaaaaaaaaaaa').set(await site.bearer()).send({ body: 'x' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('rate limits', () => {
  it('when a commenter exceeds the per-minute limit, then 429 RATE_LIMITED with Retry-After, and other commenters are unaffected', async () => {
    const site = await createSite(h, { rateLimits: { commentsPerCommenterPerMinute: 3, commentsPerIpPerMinute: 100 } });
    for (let i = 0; i < 3; i++) expect((await post(site, `nr ${i}`)).status).toBe(201);
    const limited = await post(site, 'en för mycket');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await post(site, 'annan', 't', { sub: 'other', name: 'Annan' })).status).toBe(201);
  });

  it('when one IP exceeds its limit across commenters, then 429 RATE_LIMITED', async () => {
    const site = await createSite(h, { rateLimits: { commentsPerCommenterPerMinute: 100, commentsPerIpPerMinute: 2 } });
    expect((await post(site, '1', 't', { sub: 'x1', name: 'X' })).status).toBe(201);
    expect((await post(site, '2', 't', { sub: 'x2', name: 'X' })).status).toBe(201);
    expect((await post(site, '3', 't', { sub: 'x3', name: 'X' })).status).toBe(429);
  });

  it('when rate limits are counted, then Redis holds no user id or IP in clear', async () => {
    const site = await createSite(h, { rateLimits: { commentsPerCommenterPerMinute: 50 } });
    await post(site, 'spår', 't', { sub: 'very-identifiable-user', name: 'X' });
    const keys = await h.services.redis.client.keys(`${h.config.QUEUE_PREFIX}:rl:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toMatch(/very-identifiable-user|127\.0\.0\.1|::1/);
  });
});
