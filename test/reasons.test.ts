import { CommentModel } from '../src/modules/comments/comment.model';
import { ModerationLogModel } from '../src/modules/moderation-log/moderation-log.model';
import { DEFAULT_REASONS } from '../src/modules/reasons/default-reasons';
import { createSite, useHarness } from './helpers/harness';
import { MODERATOR, postAndDecide } from './helpers/moderation';
import { createComment } from './helpers/factories';
import { runRetention } from '../src/modules/retention/retention.runner';

const h = useHarness({}, { workers: true });

const RELAXED = { rateLimits: { commentsPerCommenterPerMinute: 100, commentsPerIpPerMinute: 1000 } };

const OWN = {
  reasons: [
    {
      id: 'hot',
      kind: 'illegal',
      label: { sv: 'Hot', en: 'Threat' },
      ground: { text: 'Brottsbalken 4 kap. 5 §', url: 'https://lagen.nu/1962:700#K4P5' },
    },
    { id: 'spam', kind: 'terms', label: { sv: 'Skräppost', en: 'Spam' }, ground: { text: 'Villkoren, punkt 3' } },
  ],
  rules: { banned_word: 'spam', duplicate: 'spam' },
};

describe('the reason catalogue', () => {
  it('when a site is new, then it has the Swedish default reasons, each rule leads to one, and anyone can read the labels', async () => {
    const site = await createSite(h);
    const admin = await h.http.get(`/api/v1/admin/sites/${site.id}/reasons`).set(h.admin);
    expect(admin.status).toBe(200);
    expect(admin.body).toEqual(DEFAULT_REASONS);
    expect(admin.body.reasons.map((r: { id: string }) => r.id)).toEqual(
      expect.arrayContaining([
        'olaga_hot',
        'hets_mot_folkgrupp',
        'fortal',
        'personuppgifter',
        'reklam',
        'utanfor_amnet',
        'krankande_sprak',
      ]),
    );
    for (const rule of ['banned_word', 'personal_data', 'too_many_links', 'duplicate', 'burst'])
      expect(admin.body.rules[rule]).toEqual(expect.any(String));
    const open = await h.http.get(`/api/v1/sites/${site.id}/reasons`);
    expect(open.status).toBe(200);
    expect(open.body).toEqual({ reasons: DEFAULT_REASONS.reasons });
    expect((await h.http.get(`/api/v1/admin/sites/${site.id}/reasons`)).status).toBe(401);
  });

  it('when an admin replaces the catalogue, then it is used; duplicate ids and rules naming no reason are refused', async () => {
    const site = await createSite(h);
    const put = await h.http.put(`/api/v1/admin/sites/${site.id}/reasons`).set(h.admin).send(OWN);
    expect(put.status).toBe(200);
    expect(
      (await h.http.get(`/api/v1/sites/${site.id}/reasons`)).body.reasons.map((r: { id: string }) => r.id),
    ).toEqual(['hot', 'spam']);

    const twice = await h.http
      .put(`/api/v1/admin/sites/${site.id}/reasons`)
      .set(h.admin)
      .send({ reasons: [OWN.reasons[0], OWN.reasons[0]] });
    expect(twice.status).toBe(400);
    expect(twice.body.error.code).toBe('VALIDATION_FAILED');
    const dangling = await h.http
      .put(`/api/v1/admin/sites/${site.id}/reasons`)
      .set(h.admin)
      .send({ reasons: OWN.reasons, rules: { burst: 'nowhere' } });
    expect(dangling.status).toBe(400);
    const unknownSite = await h.http.put(`/api/v1/admin/sites/s-nope-nope/reasons`).set(h.admin).send(OWN);
    expect(unknownSite.status).toBe(404);
  });
});

describe('every decision names a reason', () => {
  it('when a moderator rejects without a reason or with one the site lacks, then 422 REASON_REQUIRED; with one, the log and the comment carry it', async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { mode: 'pre' } });
    const held = await postAndDecide(h, site, 'Väntar');
    const mod = await site.bearer(MODERATOR);
    const url = `/api/v1/sites/${site.id}/moderation/comments/${held._id}/decision`;
    const missing = await h.http.post(url).set(mod).send({ action: 'reject', reason: 'Nej' });
    expect(missing.status).toBe(422);
    expect(missing.body.error).toMatchObject({ code: 'REASON_REQUIRED', details: { problem: 'missing' } });
    expect(missing.body.error.details.reasons).toContain('utanfor_amnet');
    const unknown = await h.http.post(url).set(mod).send({ action: 'reject', reasonId: 'finns_inte' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details).toMatchObject({ problem: 'unknown', reasonId: 'finns_inte' });
    expect((await CommentModel.findById(held._id).lean())?.status).toBe('pending'); // nothing changed

    const done = await h.http
      .post(url)
      .set(mod)
      .send({ action: 'reject', reasonId: 'utanfor_amnet', reason: 'Handlar om annat' });
    expect(done.status).toBe(200);
    expect((await CommentModel.findById(held._id).lean())?.reasonId).toBe('utanfor_amnet');
    const log = await h.http.get(`/api/v1/sites/${site.id}/moderation/log`).set(mod);
    expect(log.body.entries[0]).toMatchObject({
      action: 'rejected',
      reasonId: 'utanfor_amnet',
      reason: 'Handlar om annat',
    });
  });

  it('when a moderator removes a comment or bans its author without a reason, then 422; an author removing their own needs none', async () => {
    const site = await createSite(h, RELAXED);
    const mod = await site.bearer(MODERATOR);
    const theirs = await postAndDecide(h, site, 'Någons', { sub: 'nagon', name: 'N' });
    const removeUrl = `/api/v1/comments/${theirs._id}`;
    const missing = await h.http.delete(removeUrl).set(mod);
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe('REASON_REQUIRED');
    expect((await h.http.delete(`${removeUrl}?reasonId=reklam`).set(mod)).status).toBe(204);
    const entry = await ModerationLogModel.findOne({ commentId: theirs._id, action: 'removed' }).lean();
    expect(entry?.reasonId).toBe('reklam');

    const own = await postAndDecide(h, site, 'Mitt', { sub: 'jag', name: 'J' });
    expect(
      (await h.http.delete(`/api/v1/comments/${own._id}`).set(await site.bearer({ sub: 'jag', name: 'J' }))).status,
    ).toBe(204);

    const banUrl = `/api/v1/sites/${site.id}/moderation/users/nagon/ban`;
    const noReason = await h.http.post(banUrl).set(mod).send({ reason: 'Spam' });
    expect(noReason.status).toBe(422);
    expect(noReason.body.error.code).toBe('REASON_REQUIRED');
    const ban = await h.http.post(banUrl).set(mod).send({ reason: 'Spam', reasonId: 'reklam' });
    expect(ban.status).toBe(201);
    expect(await ModerationLogModel.findOne({ siteId: site.id, action: 'banned' }).lean()).toMatchObject({
      reasonId: 'reklam',
    });
  });

  it('when a rule rejects or holds a comment, then the decision carries the reason the site maps that rule to', async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { bannedWords: ['skräp'] } });
    const rejected = await postAndDecide(h, site, 'Bara skräp');
    expect(rejected).toMatchObject({ status: 'rejected', reasonId: 'krankande_sprak' });
    const held = await postAndDecide(h, site, 'Ring 070-123 45 67', { sub: 'b', name: 'B' });
    expect(held).toMatchObject({ status: 'pending', held: true, reasonId: 'personuppgifter' });
    const published = await postAndDecide(h, site, 'Helt vanligt', { sub: 'c', name: 'C' });
    expect(published.reasonId).toBeNull();
    expect(await ModerationLogModel.findOne({ commentId: rejected._id }).lean()).toMatchObject({
      reasonId: 'krankande_sprak',
    });

    const own = await createSite(h, { ...RELAXED, moderation: { bannedWords: ['skräp'] } });
    await h.http.put(`/api/v1/admin/sites/${own.id}/reasons`).set(h.admin).send(OWN);
    expect(await postAndDecide(h, own, 'Mer skräp')).toMatchObject({ status: 'rejected', reasonId: 'spam' });
  });
});

describe('the statement of reasons to the author', () => {
  it('when a comment is rejected, then its author sees it marked with the reason, who decided and when (in the thread, the replies and the export), and no other reader sees it', async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { bannedWords: ['skräp'] } });
    const author = { sub: 'forfattare', name: 'Frida' };
    await postAndDecide(h, site, 'Ett vanligt inlägg', { sub: 'annan', name: 'Annan' });
    const rejected = await postAndDecide(h, site, 'Detta är skräp', author);
    const id = String(rejected._id);
    const page = async (claims?: Record<string, unknown>) => {
      const req = h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 't' });
      return (await (claims ? req.set(await site.bearer(claims)) : req)).body.comments as Array<
        Record<string, unknown>
      >;
    };
    const own = (await page(author)).find((c) => c.id === id);
    expect(own).toMatchObject({
      status: 'rejected',
      mine: true,
      body: 'Detta är skräp',
      decision: { reasonId: 'krankande_sprak', by: 'system', at: rejected.decidedAt!.toISOString() },
    });
    for (const other of [await page({ sub: 'annan', name: 'Annan' }), await page()])
      expect(other.map((c) => c.id)).not.toContain(id);
    // The same statement is in the author's export.
    const exported = await h.http.get(`/api/v1/sites/${site.id}/me/export`).set(await site.bearer(author));
    expect(exported.body.comments.find((c: { id: string }) => c.id === id)).toMatchObject({
      status: 'rejected',
      decision: { reasonId: 'krankande_sprak', by: 'system' },
    });

    // A rejected reply shows in its parent's first replies, and in the reply pages, to its author alone.
    const parent = await postAndDecide(h, site, 'Förälder', { sub: 'annan', name: 'Annan' });
    const reply = (
      await createComment(h, site, {
        body: 'Svar med skräp',
        by: author,
        parentId: String(parent._id),
        until: 'decided',
      })
    ).stored;
    expect(reply.status).toBe('rejected');
    const firstReplies = (await page(author)).find((c) => c.id === String(parent._id))?.replies as Array<{
      id: string;
    }>;
    expect(firstReplies.map((r) => r.id)).toContain(String(reply._id));
    const repliesUrl = `/api/v1/sites/${site.id}/comments/${parent._id}/replies`;
    const theirs = await h.http.get(repliesUrl).set(await site.bearer(author));
    expect(theirs.body.replies.map((r: { id: string }) => r.id)).toContain(String(reply._id));
    expect((await h.http.get(repliesUrl)).body.replies.map((r: { id: string }) => r.id)).not.toContain(
      String(reply._id),
    );

    // A moderator's rejection says a person made it.
    const preSite = await createSite(h, { ...RELAXED, moderation: { mode: 'pre' } });
    const waiting = await postAndDecide(h, preSite, 'Väntar på beslut', author);
    await h.http
      .post(`/api/v1/sites/${preSite.id}/moderation/comments/${waiting._id}/decision`)
      .set(await preSite.bearer(MODERATOR))
      .send({ action: 'reject', reasonId: 'utanfor_amnet', version: waiting.version })
      .expect(200);
    const seen = (
      await h.http
        .get(`/api/v1/sites/${preSite.id}/comments`)
        .query({ thread: 't' })
        .set(await preSite.bearer(author))
    ).body.comments;
    expect(seen[0]).toMatchObject({
      id: String(waiting._id),
      decision: { reasonId: 'utanfor_amnet', by: 'moderator' },
    });
  });

  it("when a moderator removes a comment, then its author still sees it whole with the statement (in the thread, the replies and the export), others see a tombstone only where it was replied to, and the author's own delete or retention takes it for good", async () => {
    const site = await createSite(h, RELAXED);
    const author = { sub: 'borttagen', name: 'Bodil' };
    const other = { sub: 'lasare', name: 'Lars' };
    const lone = await postAndDecide(h, site, 'Ensam och borttagen', author);
    const replied = await postAndDecide(h, site, 'Besvarad och borttagen', author);
    await createComment(h, site, { body: 'Ett svar', by: other, parentId: String(replied._id), until: 'decided' });
    for (const c of [lone, replied])
      await h.http
        .delete(`/api/v1/comments/${c._id}?reasonId=reklam`)
        .set(await site.bearer(MODERATOR))
        .expect(204);
    const page = async (claims?: Record<string, unknown>) => {
      const req = h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 't' });
      return (await (claims ? req.set(await site.bearer(claims)) : req)).body.comments as Array<
        Record<string, unknown>
      >;
    };
    const statement = { reasonId: 'reklam', by: 'moderator' };
    const theirs = await page(author);
    expect(theirs.find((c) => c.id === String(lone._id))).toMatchObject({
      status: 'removed',
      body: 'Ensam och borttagen',
      mine: true,
      decision: statement,
    });
    // In the tombstone's place, with the replies kept under it.
    expect(theirs.find((c) => c.id === String(replied._id))).toMatchObject({
      status: 'removed',
      body: 'Besvarad och borttagen',
      decision: statement,
      replies: [expect.objectContaining({ body: 'Ett svar' })],
    });
    expect(theirs.filter((c) => c.id === String(replied._id))).toHaveLength(1);
    for (const view of [await page(other), await page()]) {
      expect(view.map((c) => c.id)).not.toContain(String(lone._id));
      expect(view.find((c) => c.id === String(replied._id))).toMatchObject({
        status: 'removed',
        body: '',
        author: null,
      });
      expect(JSON.stringify(view)).not.toContain('och borttagen');
    }
    const exported = await h.http.get(`/api/v1/sites/${site.id}/me/export`).set(await site.bearer(author));
    expect(exported.body.comments.find((c: { id: string }) => c.id === String(lone._id))).toMatchObject({
      status: 'removed',
      body: 'Ensam och borttagen',
      decision: statement,
    });
    // A second removal by a moderator changes nothing; the author's own delete takes it away.
    await h.http
      .delete(`/api/v1/comments/${lone._id}?reasonId=reklam`)
      .set(await site.bearer(MODERATOR))
      .expect(204);
    await h.http
      .delete(`/api/v1/comments/${lone._id}`)
      .set(await site.bearer(author))
      .expect(204);
    expect(await CommentModel.findById(lone._id).lean()).toBeNull();
    // Retention counts the removal like a rejection: past rejectedDays it leaves a plain tombstone.
    await CommentModel.updateOne({ _id: replied._id }, { $set: { decidedAt: new Date(Date.now() - 91 * 86_400_000) } });
    await runRetention([], h.services.logger);
    expect(await CommentModel.findById(replied._id).lean()).toMatchObject({
      status: 'removed',
      body: '',
      authorId: null,
    });
  });
});
