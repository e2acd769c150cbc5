import { CommentModel } from '../src/modules/comments/comment.model';
import { createComment, createCommenter } from './helpers/factories';
import { createSite, eventually, useHarness } from './helpers/harness';

const h = useHarness({}, { workers: true });

const published = (id: string) =>
  eventually(async () => (await CommentModel.findById(id).lean())?.status === 'published');

describe('editing and deleting own comments', () => {
  it('when the author edits inside the window, then the text changes, the comment goes back to pending and is moderated again', async () => {
    const site = await createSite(h);
    const created = await createComment(h, site, { body: 'Första versionen', until: 'published' });
    const edited = await h.http
      .patch(`/api/v1/comments/${created.id}`)
      .set(await site.bearer())
      .send({ body: 'Andra versionen' });
    expect(edited.status).toBe(200);
    expect(edited.body.comment).toMatchObject({ body: 'Andra versionen', status: 'pending' });
    expect(edited.body.comment.editedAt).not.toBeNull();
    await published(created.id);
    const stored = await CommentModel.findById(created.id).lean();
    expect(stored?.revision).toBe(2);
  });

  it('when someone else edits or deletes the comment, then 403 FORBIDDEN', async () => {
    const site = await createSite(h);
    const created = await createComment(h, site, { body: 'Min' });
    const other = await createCommenter(site, { name: 'Inkräktare' }).bearer();
    expect((await h.http.patch(`/api/v1/comments/${created.id}`).set(other).send({ body: 'Din' })).status).toBe(403);
    expect((await h.http.delete(`/api/v1/comments/${created.id}`).set(other)).status).toBe(403);
  });

  it('when the edit window has passed, then 409 EDIT_WINDOW_CLOSED', async () => {
    const site = await createSite(h, { editWindowMinutes: 15 });
    // Let the worker finish first: FerretDB rewrites whole documents, so a concurrent
    // update from the worker could otherwise undo this test's change.
    const created = await createComment(h, site, { body: 'Gammal', until: 'published' });
    await CommentModel.updateOne({ _id: created.id }, { $set: { createdAt: new Date(Date.now() - 16 * 60_000) } });
    const res = await h.http
      .patch(`/api/v1/comments/${created.id}`)
      .set(await site.bearer())
      .send({ body: 'Ny' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('EDIT_WINDOW_CLOSED');
  });

  it('when an edit is over the limit, then 422 COMMENT_TOO_LONG and the stored text is unchanged', async () => {
    const site = await createSite(h);
    const created = await createComment(h, site, { body: 'Kort' });
    const res = await h.http
      .patch(`/api/v1/comments/${created.id}`)
      .set(await site.bearer())
      .send({ body: 'x'.repeat(301) });
    expect(res.status).toBe(422);
    expect((await CommentModel.findById(created.id).lean())?.body).toBe('Kort');
  });

  it('when the author deletes a comment without replies, then it is gone', async () => {
    const site = await createSite(h);
    const created = await createComment(h, site, { body: 'Bort' });
    const res = await h.http.delete(`/api/v1/comments/${created.id}`).set(await site.bearer());
    expect(res.status).toBe(204);
    expect(await CommentModel.findById(created.id).lean()).toBeNull();
  });

  it('when the author deletes a comment that has replies, then a tombstone without text or author keeps the replies in place', async () => {
    const site = await createSite(h);
    const bo = createCommenter(site, { name: 'Bo' });
    const parent = await createComment(h, site, { body: 'Förälder', until: 'published' });
    const reply = await createComment(h, site, { body: 'Svar', parentId: parent.id, by: bo, until: 'published' });

    expect((await h.http.delete(`/api/v1/comments/${parent.id}`).set(await site.bearer())).status).toBe(204);
    const list = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 't' });
    expect(list.body.comments).toHaveLength(1);
    expect(list.body.comments[0]).toMatchObject({ status: 'removed', body: '', author: null });
    expect(list.body.comments[0].replies[0]).toMatchObject({ body: 'Svar', author: { name: 'Bo' } });
    const stored = await CommentModel.findById(parent.id).lean();
    expect(stored).toMatchObject({ body: '', authorId: null, ipHash: null });

    // When the last reply goes too, the empty tombstone goes with it.
    await h.http.delete(`/api/v1/comments/${reply.id}`).set(await bo.bearer());
    expect(await CommentModel.countDocuments({ siteId: site.id })).toBe(0);
  });

  it('when a comment id is unknown, then 404 NOT_FOUND', async () => {
    const site = await createSite(h);
    const res = await h.http
      .patch('/api/v1/comments/aaaaaaaaaaaaaaaaaaaaaaaa')
      .set(await site.bearer())
      .send({ body: 'x' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
