import { CommentModel } from '../src/modules/comments/comment.model';
import { moderationJob } from '../src/modules/moderation/moderation.job';
import { ModerationLogModel } from '../src/modules/moderation-log/moderation-log.model';
import { holdAt } from '../src/shared/checkpoints';
import { createSite, eventually, TestSite, useHarness } from './helpers/harness';
import { MODERATOR, postAndDecide } from './helpers/moderation';
import { completed, rawStorage, subject } from './helpers/privacy';

/**
 * Every change of a comment is ordered against the others (comment-claims.ts). Each race
 * here is made deterministic by holding one side at a named checkpoint while the other
 * runs, then releasing it.
 */
const h = useHarness({ TRUST_PROXY: '1' }, { workers: true });

const AUTHOR = { sub: 'author-1', name: 'Astrid Författare' };
const RELAXED = { rateLimits: { commentsPerCommenterPerMinute: 100 } };

/** A published comment by `author` with a published reply by someone else (so its removal is a tombstone). */
async function commentWithReply(site: TestSite, author: Record<string, unknown> = AUTHOR, thread = 't') {
  const parent = await postAndDecide(h, site, 'Föräldern', author, thread);
  const reply = await h.http
    .post(`/api/v1/sites/${site.id}/comments`)
    .set(await site.bearer({ sub: 'replier', name: 'Rut Svarare' }))
    .send({ thread, body: 'Ett svar', parentId: String(parent._id) });
  await eventually(async () => (await CommentModel.findById(reply.body.comment.id).lean())?.status === 'published');
  return parent;
}

/** Starts a supertest request now (they are lazy) and gives its response later. */
const started = <T>(req: PromiseLike<T>): Promise<T> => Promise.resolve(req);

/** Waits until the moderation job of a comment revision has run, whatever it decided. */
async function jobFinished(commentId: string, revision: number) {
  await eventually(async () => {
    const state = await h.services.jobQueues.of(moderationJob).state(moderationJob.jobId({ commentId, revision }));
    return state === undefined || state === 'completed' || state === 'failed';
  });
}

describe('an edit in flight never undoes a removal', () => {
  it.each([
    ['the author', AUTHOR],
    ['a moderator', MODERATOR],
  ])(
    "when %s deletes a comment while its author's edit is between claim and write, then the edit lands first or not at all, and the comment stays removed",
    async (_who, remover) => {
      const site = await createSite(h, RELAXED);
      const comment = await commentWithReply(site);
      const id = String(comment._id);

      const editHeld = holdAt('comment.edit.claimed');
      const edit = started(
        h.http
          .patch(`/api/v1/comments/${id}`)
          .set(await site.bearer(AUTHOR))
          .send({ body: 'Tillbaka från de döda' }),
      );
      await editHeld.reached;
      const removalWaits = holdAt('comment.remove.waiting');
      const removal = started(
        h.http.delete(`/api/v1/comments/${id}?reasonId=utanfor_amnet`).set(await site.bearer(remover)),
      );
      await Promise.race([removalWaits.reached, removal]); // the removal has met the edit's claim (or, wrongly, finished)
      removalWaits.release();
      editHeld.release();

      expect((await removal).status).toBe(204);
      expect((await edit).status).toBe(200); // it claimed first, so it landed first
      await jobFinished(id, 2);
      const stored = await CommentModel.findById(id).lean();
      // The author's delete leaves a tombstone; a moderator's keeps the comment for its author.
      expect(stored).toMatchObject(
        remover === AUTHOR
          ? { status: 'removed', body: '', authorId: null }
          : { status: 'removed', body: 'Tillbaka från de döda', withheld: false },
      );
      const page = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 't' });
      expect(JSON.stringify(page.body)).not.toContain('Tillbaka från de döda');
    },
  );

  it('when a moderator deletes a comment, then the moderation log records who removed it', async () => {
    const site = await createSite(h, RELAXED);
    const comment = await postAndDecide(h, site, 'Ska bort', AUTHOR);
    expect(
      (await h.http.delete(`/api/v1/comments/${comment._id}?reasonId=utanfor_amnet`).set(await site.bearer(MODERATOR)))
        .status,
    ).toBe(204);
    const log = await h.http.get(`/api/v1/sites/${site.id}/moderation/log`).set(await site.bearer(MODERATOR));
    expect(log.body.entries[0]).toMatchObject({
      action: 'removed',
      commentId: String(comment._id),
      reason: 'removed_by_moderator',
      actor: { kind: 'moderator', name: MODERATOR.name },
    });
  });
});

describe('an edit that fails after its claim', () => {
  it('when an edit dies between its claim and its write, then the comment is still in its queue, and a retry and a decision both succeed', async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { mode: 'pre' } });
    const comment = await postAndDecide(h, site, 'Väntar på en person', AUTHOR);
    expect(comment).toMatchObject({ status: 'pending', held: true });

    const editHeld = holdAt('comment.edit.claimed');
    const failed = started(
      h.http
        .patch(`/api/v1/comments/${comment._id}`)
        .set(await site.bearer(AUTHOR))
        .send({ body: 'Första försöket' }),
    );
    await editHeld.reached;
    editHeld.release(new Error('the process died here'));
    expect((await failed).status).toBe(500);

    const queue = await h.http
      .get(`/api/v1/sites/${site.id}/moderation/queues/pending`)
      .set(await site.bearer(MODERATOR));
    expect(queue.body.items.map((i: { comment: { id: string } }) => i.comment.id)).toContain(String(comment._id));
    const retry = await h.http
      .patch(`/api/v1/comments/${comment._id}`)
      .set(await site.bearer(AUTHOR))
      .send({ body: 'Andra försöket' });
    expect(retry.status).toBe(200);
    const held = await eventually(async () => {
      const c = await CommentModel.findById(comment._id).lean();
      return c?.held ? c : undefined;
    });
    const decision = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/comments/${comment._id}/decision`)
      .set(await site.bearer(MODERATOR))
      .send({ action: 'approve', version: held.version });
    expect(decision.status).toBe(200);
    expect(await ModerationLogModel.countDocuments({ commentId: comment._id, action: 'edited' })).toBe(1); // the failed edit left no entry
  });
});

describe('erasure against writes in flight', () => {
  it("when the subject's edit is between claim and write as their erasure reaches the comment, then the erasure waits for it and nothing of the edit survives", async () => {
    const site = await createSite(h, RELAXED);
    const s = subject();
    const comment = await commentWithReply(site, s.claims);

    const editHeld = holdAt('comment.edit.claimed');
    const edit = started(
      h.http
        .patch(`/api/v1/comments/${comment._id}`)
        .set(await site.bearer(s.claims))
        .send({ body: 'Text som inte får överleva' }),
    );
    await editHeld.reached;
    const erasureWaits = holdAt('erasure.tombstones.waiting');
    const request = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s.claims));
    expect(request.status).toBe(202);
    await Promise.race([erasureWaits.reached, completed(request.body.id)]);
    erasureWaits.release();
    editHeld.release();
    await edit;
    await completed(request.body.id);
    await jobFinished(String(comment._id), 2);

    expect(await CommentModel.findById(comment._id).lean()).toMatchObject({
      status: 'removed',
      body: '',
      authorId: null,
    });
    const storage = await rawStorage(h);
    for (const value of ['Text som inte får överleva', s.claims.sub, s.claims.name])
      expect(storage).not.toContain(value);
  });

  it("when the subject posts during the erasure's last step, then the post is refused and nothing of it survives", async () => {
    const site = await createSite(h, RELAXED);
    const s = subject();
    await postAndDecide(h, site, 'Innan raderingen', s.claims);

    const lastStep = holdAt('erasure.final.beforeProfile');
    const request = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s.claims));
    await lastStep.reached;
    const late = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer(s.claims))
      .send({ thread: 't', body: 'Skrivet under raderingen' });
    lastStep.release();
    await completed(request.body.id);

    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'CONFLICT', details: { reason: 'erasure_in_progress' } });
    const storage = await rawStorage(h);
    for (const value of ['Skrivet under raderingen', 'Innan raderingen', s.claims.sub, s.claims.name])
      expect(storage).not.toContain(value);
  });

  it('when a post has passed its checks as the erasure runs to the end, then the post undoes itself and nothing of it survives', async () => {
    const site = await createSite(h, RELAXED);
    const s = subject();
    await postAndDecide(h, site, 'Före', s.claims);

    const postHeld = holdAt('comment.create.checked');
    const post = started(
      h.http
        .post(`/api/v1/sites/${site.id}/comments`)
        .set(await site.bearer(s.claims))
        .send({ thread: 't', body: 'Mitt i raderingen' }),
    );
    await postHeld.reached;
    const request = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s.claims));
    await completed(request.body.id);
    postHeld.release();

    const res = await post;
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual({ reason: 'erasure_in_progress' });
    const storage = await rawStorage(h);
    for (const value of ['Mitt i raderingen', s.claims.sub, s.claims.name]) expect(storage).not.toContain(value);
  });
});
