import { CommentModel } from '../src/modules/comments/comment.model';
import { ThreadModel } from '../src/modules/threads/thread.model';
import { createSite, useHarness } from './helpers/harness';

const h = useHarness();

const moderator = { sub: 'mod-1', name: 'Maja Moderator', roles: ['moderator'] };

describe('closing threads', () => {
  it('when a moderator closes a thread with a reason, then writes get 409 THREAD_CLOSED with the public code, readers see it closed, and the reason is only in the log', async () => {
    const site = await createSite(h);
    const first = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer())
      .send({ thread: 'a', body: 'Före stängning' });
    expect(first.status).toBe(201);

    const closed = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/threads/close`)
      .set(await site.bearer(moderator))
      .send({ thread: 'a', reason: 'Diskussionen är avslutad' });
    expect(closed.status).toBe(200);
    expect(closed.body.thread).toMatchObject({ status: 'closed', closedReason: 'closed_by_moderator' });

    const refused = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer({ sub: 'user-2', name: 'Bo' }))
      .send({ thread: 'a', body: 'Efter' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'THREAD_CLOSED',
      message: 'Stängd för fler kommentarer.',
      details: { closedReason: 'closed_by_moderator' },
    });

    const edit = await h.http
      .patch(`/api/v1/comments/${first.body.comment.id}`)
      .set(await site.bearer())
      .send({ body: 'Ändrad' });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe('THREAD_CLOSED');

    const state = await h.http.get(`/api/v1/sites/${site.id}/thread`).query({ key: 'a' });
    expect(state.body.thread).toMatchObject({ status: 'closed', closedReason: 'closed_by_moderator' });
    const page = await h.http.get(`/api/v1/sites/${site.id}/thread`).query({ key: 'a', include: 'comments' });
    expect(JSON.stringify(page.body)).not.toContain('Diskussionen');

    // The moderator's words stay with the moderators: in the log, not on the thread.
    expect(JSON.stringify(await ThreadModel.findOne({ siteId: site.id, key: 'a' }).lean())).not.toContain(
      'Diskussionen',
    );
    const log = await h.http.get(`/api/v1/sites/${site.id}/moderation/log`).set(await site.bearer(moderator));
    expect(log.body.entries[0]).toMatchObject({
      action: 'thread_closed',
      threadKey: 'a',
      reason: 'Diskussionen är avslutad',
    });
  });

  it('when a moderator reopens a thread, then writing works again', async () => {
    const site = await createSite(h);
    await h.http
      .post(`/api/v1/sites/${site.id}/moderation/threads/close`)
      .set(await site.bearer(moderator))
      .send({ thread: 'b' });
    const reopened = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/threads/reopen`)
      .set(await site.bearer(moderator))
      .send({ thread: 'b' });
    expect(reopened.body.thread).toMatchObject({ status: 'open', closedReason: null });
    const res = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer())
      .send({ thread: 'b', body: 'Öppet igen' });
    expect(res.status).toBe(201);
  });

  it("when a thread is closed and reopened by another path than the moderators' routes, then both are in the moderation log all the same", async () => {
    const site = await createSite(h);
    const config = await h.services.sites.get(site.id);
    await h.services.threads.close(config, 'jobb', { kind: 'system' }, 'Stängd av ett jobb');
    await h.services.threads.reopen(config, 'jobb', { kind: 'system' });
    const log = await h.http.get(`/api/v1/sites/${site.id}/moderation/log`).set(await site.bearer(moderator));
    expect(log.body.entries.map((e: { action: string }) => e.action)).toEqual(['thread_reopened', 'thread_closed']);
    expect(log.body.entries[1]).toMatchObject({
      actor: { kind: 'system', name: null },
      threadKey: 'jobb',
      reason: 'Stängd av ett jobb',
    });
  });

  it('when a thread that has no comments yet is closed, then it reads as closed', async () => {
    const site = await createSite(h);
    await h.http
      .post(`/api/v1/sites/${site.id}/moderation/threads/close`)
      .set(await site.bearer(moderator))
      .send({ thread: 'tom' });
    const state = await h.http.get(`/api/v1/sites/${site.id}/thread`).query({ key: 'tom' });
    expect(state.body.thread.status).toBe('closed');
  });

  it('when a commenter without a moderator role tries to close, then 403 FORBIDDEN', async () => {
    const site = await createSite(h);
    const res = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/threads/close`)
      .set(await site.bearer())
      .send({ thread: 'c' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  });

  it('when a site closes threads after 7 days, then an older thread refuses writes with reason auto_closed and a younger one takes them', async () => {
    const site = await createSite(h, { autoCloseAfterDays: 7 });
    await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer())
      .send({ thread: 'gammal', body: 'Tidigt' });
    await ThreadModel.updateOne(
      { siteId: site.id, key: 'gammal' },
      { $set: { createdAt: new Date(Date.now() - 8 * 86_400_000) } },
    );

    const state = await h.http.get(`/api/v1/sites/${site.id}/thread`).query({ key: 'gammal' });
    expect(state.body.thread).toMatchObject({ status: 'closed', closedReason: 'auto_closed' });
    const refused = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer())
      .send({ thread: 'gammal', body: 'Sent' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.closedReason).toBe('auto_closed');

    const young = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer())
      .send({ thread: 'ny', body: 'Ny tråd' });
    expect(young.status).toBe(201);

    // A moderator may reopen an auto-closed thread; it then stays open.
    await h.http
      .post(`/api/v1/sites/${site.id}/moderation/threads/reopen`)
      .set(await site.bearer(moderator))
      .send({ thread: 'gammal' });
    const again = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer())
      .send({ thread: 'gammal', body: 'Öppnad' });
    expect(again.status).toBe(201);
  });
});

describe('comment counts for article lists', () => {
  const publish = (siteId: string, threadKey: string, status = 'published') =>
    CommentModel.create({
      siteId,
      threadKey,
      body: 'Text',
      status,
      createdAt: new Date(),
      updatedAt: new Date(),
    });

  it('when counts of several threads are asked, then each comes back once, in the order asked, with published comments only and its status', async () => {
    const site = await createSite(h);
    await publish(site.id, '/a');
    await publish(site.id, '/a');
    await publish(site.id, '/a', 'pending');
    await publish(site.id, '/stängd');
    await h.http
      .post(`/api/v1/sites/${site.id}/moderation/threads/close`)
      .set(await site.bearer(moderator))
      .send({ thread: '/stängd' })
      .expect(200);

    const res = await h.http.get(`/api/v1/sites/${site.id}/counts?key=/okänd&key=/a&key=/stängd&key=/a`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      threads: [
        { key: '/okänd', status: 'open', commentCount: 0 },
        { key: '/a', status: 'open', commentCount: 2 },
        { key: '/stängd', status: 'closed', commentCount: 1 },
      ],
    });

    await publish(site.id, '/a');
    const again = await h.http.get(`/api/v1/sites/${site.id}/counts`).query({ key: '/a' });
    expect(again.body.threads).toEqual([{ key: '/a', status: 'open', commentCount: 3 }]);
  });

  it('when the counts request is malformed, then it gets 400 VALIDATION_FAILED', async () => {
    const site = await createSite(h);
    const tooMany = Array.from({ length: 51 }, (_, i) => `key=/k${i}`).join('&');
    for (const query of ['', 'key=', tooMany, 'key=/a&other=1', `key=${'x'.repeat(513)}`]) {
      const res = await h.http.get(`/api/v1/sites/${site.id}/counts?${query}`);
      expect([query.slice(0, 20), res.status, res.body.error?.code]).toEqual([
        query.slice(0, 20),
        400,
        'VALIDATION_FAILED',
      ]);
    }
    const fifty = Array.from({ length: 50 }, (_, i) => `key=/k${i}`).join('&');
    expect((await h.http.get(`/api/v1/sites/${site.id}/counts?${fifty}`)).body.threads).toHaveLength(50);
    expect((await h.http.get('/api/v1/sites/finns-inte/counts?key=/a')).status).toBe(404);
  });
});
