import { AppealModel } from '../src/modules/appeals/appeal.model';
import { CommentModel } from '../src/modules/comments/comment.model';
import { EventModel } from '../src/modules/events/event.model';
import { ModerationLogModel } from '../src/modules/moderation-log/moderation-log.model';
import { holdAt } from '../src/shared/checkpoints';
import { runRetention } from '../src/modules/retention/retention.runner';
import { createSite, TestSite, useHarness } from './helpers/harness';
import { MODERATOR, MODERATOR_2, postAndDecide } from './helpers/moderation';
import { completed, rawStorage } from './helpers/privacy';

const h = useHarness({}, { workers: true });

const RELAXED = { rateLimits: { commentsPerCommenterPerMinute: 100, commentsPerIpPerMinute: 1000 } };
const AUTHOR = { sub: 'overklagare', name: 'Olle Överklagare' };

/** Starts a supertest request now (they are lazy) and gives its response later. */
const started = <T>(req: PromiseLike<T>): Promise<T> => Promise.resolve(req);

async function appeal(site: TestSite, commentId: unknown, text = 'Jag skrev inget olagligt.', by = AUTHOR) {
  return h.http
    .post(`/api/v1/comments/${String(commentId)}/appeal`)
    .set(await site.bearer(by))
    .send({ text });
}

async function decide(site: TestSite, appealId: string, body: Record<string, unknown>, by = MODERATOR_2) {
  return h.http
    .post(`/api/v1/sites/${site.id}/moderation/appeals/${appealId}/decision`)
    .set(await site.bearer(by))
    .send(body);
}

/** The author's own view of a comment in the thread listing. */
async function ownView(site: TestSite, commentId: unknown, claims: Record<string, unknown> = AUTHOR) {
  const page = await h.http
    .get(`/api/v1/sites/${site.id}/comments`)
    .query({ thread: 't' })
    .set(await site.bearer(claims));
  return (page.body.comments as Array<Record<string, unknown>>).find((c) => c.id === String(commentId));
}

async function publicIds(site: TestSite): Promise<string[]> {
  const page = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 't' });
  return page.body.comments.map((c: { id: string }) => c.id);
}

async function rejectedByModerator(site: TestSite, body = 'Väntar på en person') {
  const waiting = await postAndDecide(h, site, body, AUTHOR);
  await h.http
    .post(`/api/v1/sites/${site.id}/moderation/comments/${waiting._id}/decision`)
    .set(await site.bearer(MODERATOR))
    .send({ action: 'reject', reasonId: 'utanfor_amnet', reason: 'Handlar om något annat', version: waiting.version })
    .expect(200);
  return waiting;
}

describe('appealing a comment decision', () => {
  it("when the author appeals an automated rejection, then it is in the appeals queue beside the decision, once only, in the log and the feed, and the author's view says so", async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { bannedWords: ['skräp'] } });
    const rejected = await postAndDecide(h, site, 'Detta är skräp', AUTHOR);
    expect(rejected.status).toBe('rejected');
    const before = await ownView(site, rejected._id);
    const until = new Date(rejected.decidedAt!.getTime() + 183 * 86_400_000).toISOString();
    expect(before).toMatchObject({ decision: { by: 'system', appealUntil: until, appeal: null } });

    const first = await appeal(site, rejected._id);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ appeal: { id: expect.any(String), status: 'open' } });
    const again = await appeal(site, rejected._id, 'Och en gång till');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');

    expect(await ownView(site, rejected._id)).toMatchObject({
      decision: { appealUntil: null, appeal: { id: first.body.appeal.id, status: 'open', outcome: null } },
    });
    const counts = await h.http.get(`/api/v1/sites/${site.id}/moderation/queues`).set(await site.bearer(MODERATOR));
    expect(counts.body.appeals).toBe(1);
    const queue = await h.http
      .get(`/api/v1/sites/${site.id}/moderation/queues/appeals`)
      .set(await site.bearer(MODERATOR));
    expect(queue.status).toBe(200);
    expect(queue.body.items).toEqual([
      expect.objectContaining({
        kind: 'appeal',
        id: first.body.appeal.id,
        about: 'comment',
        text: 'Jag skrev inget olagligt.',
        original: expect.objectContaining({ action: 'rejected', reasonId: 'krankande_sprak', by: 'system' }),
        comment: expect.objectContaining({ id: String(rejected._id), body: 'Detta är skräp', status: 'rejected' }),
        mayDecide: true,
      }),
    ]);
    expect(JSON.stringify(queue.body)).not.toContain(AUTHOR.sub);

    const logged = await ModerationLogModel.find({ siteId: site.id, action: 'appeal_received' }).lean();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ commentId: rejected._id, actorKind: 'author', reasonId: 'krankande_sprak' });
    const events = await EventModel.find({ siteId: site.id, type: 'appeal.received' }).lean();
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toEqual({
      appealId: first.body.appeal.id,
      about: 'comment',
      commentId: String(rejected._id),
      banId: null,
      reasonId: 'krankande_sprak',
    });
  });

  it('when the moderator who rejected a comment decides its appeal, then 409 SAME_MODERATOR; another reverses it and the comment is published for everyone, with the outcome in the log, the feed and the author’s view', async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { mode: 'pre' } });
    const rejected = await rejectedByModerator(site);
    const filed = await appeal(site, rejected._id);
    const appealId = filed.body.appeal.id as string;

    const queueFor = async (who: Record<string, unknown>) =>
      (await h.http.get(`/api/v1/sites/${site.id}/moderation/queues/appeals`).set(await site.bearer(who))).body.items;
    expect((await queueFor(MODERATOR))[0]).toMatchObject({
      mayDecide: false,
      original: { by: 'moderator', moderator: { name: MODERATOR.name }, note: 'Handlar om något annat' },
    });
    expect((await queueFor(MODERATOR_2))[0]).toMatchObject({ mayDecide: true });

    const same = await decide(site, appealId, { outcome: 'reversed' }, MODERATOR);
    expect(same.status).toBe(409);
    expect(same.body.error.code).toBe('SAME_MODERATOR');
    expect(await publicIds(site)).not.toContain(String(rejected._id));

    const reversed = await decide(site, appealId, { outcome: 'reversed', reason: 'Var i ämnet ändå' });
    expect(reversed.status).toBe(200);
    expect(reversed.body.appeal).toMatchObject({ id: appealId, status: 'decided', outcome: 'reversed' });
    expect(await publicIds(site)).toContain(String(rejected._id));
    expect(await ownView(site, rejected._id)).toMatchObject({
      status: 'published',
      appeal: { id: appealId, status: 'decided', outcome: 'reversed' },
    });
    expect((await ownView(site, rejected._id))!.decision).toBeUndefined();

    const again = await decide(site, appealId, { outcome: 'upheld', reasonId: 'reklam' }, MODERATOR_2);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_DECIDED');
    const log = await ModerationLogModel.find({ siteId: site.id, commentId: rejected._id }).sort({ at: 1 }).lean();
    expect(log.map((e) => e.action)).toEqual(['held', 'rejected', 'appeal_received', 'appeal_decided', 'approved']);
    expect(log.find((e) => e.action === 'appeal_decided')).toMatchObject({
      actorName: MODERATOR_2.name,
      outcome: 'reversed',
      reason: 'Var i ämnet ändå',
    });
    expect((await EventModel.find({ siteId: site.id, type: 'appeal.decided' }).lean())[0]!.data).toMatchObject({
      appealId,
      outcome: 'reversed',
    });
    expect(await EventModel.countDocuments({ siteId: site.id, type: 'comment.published' })).toBe(1);
  });

  it('when a moderator upholds an appeal, then a reason is required (422), the comment stays rejected and the author sees the outcome', async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { mode: 'pre' } });
    const rejected = await rejectedByModerator(site);
    const appealId = (await appeal(site, rejected._id)).body.appeal.id as string;
    const without = await decide(site, appealId, { outcome: 'upheld' });
    expect(without.status).toBe(422);
    expect(without.body.error.code).toBe('REASON_REQUIRED');
    expect((await decide(site, appealId, { outcome: 'upheld', reasonId: 'utanfor_amnet' })).status).toBe(200);
    expect(await CommentModel.findById(rejected._id).lean()).toMatchObject({ status: 'rejected' });
    expect(await ownView(site, rejected._id)).toMatchObject({
      status: 'rejected',
      decision: {
        appealUntil: null,
        appeal: { id: appealId, status: 'decided', outcome: 'upheld', reasonId: 'utanfor_amnet' },
      },
    });
  });

  it('when a moderator removed a comment, then its author appeals and a reversal by another moderator puts it back in its place', async () => {
    const site = await createSite(h, RELAXED);
    const comment = await postAndDecide(h, site, 'Borttagen i onödan', AUTHOR);
    await h.http
      .delete(`/api/v1/comments/${comment._id}?reasonId=reklam`)
      .set(await site.bearer(MODERATOR))
      .expect(204);
    expect(await publicIds(site)).not.toContain(String(comment._id));
    const appealId = (await appeal(site, comment._id)).body.appeal.id as string;
    const queue = await h.http
      .get(`/api/v1/sites/${site.id}/moderation/queues/appeals`)
      .set(await site.bearer(MODERATOR_2));
    expect(queue.body.items[0]).toMatchObject({
      original: { action: 'removed', reasonId: 'reklam', by: 'moderator', note: null },
      comment: { body: 'Borttagen i onödan', status: 'removed' },
    });
    expect((await decide(site, appealId, { outcome: 'reversed' })).status).toBe(200);
    expect(await CommentModel.findById(comment._id).lean()).toMatchObject({ status: 'published', withheld: false });
    expect(await publicIds(site)).toContain(String(comment._id));
  });

  it('when two moderators decide the same appeal at once, then the one who claimed it first decides and the other gets 409 ALREADY_DECIDED', async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { bannedWords: ['skräp'] } });
    const rejected = await postAndDecide(h, site, 'Mer skräp', AUTHOR);
    const appealId = (await appeal(site, rejected._id)).body.appeal.id as string;
    const held = holdAt('appeal.decision.claimed');
    const first = started(decide(site, appealId, { outcome: 'reversed' }, MODERATOR));
    await held.reached; // the first has its claim and waits before applying it
    const second = await decide(site, appealId, { outcome: 'upheld', reasonId: 'reklam' }, MODERATOR_2);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('ALREADY_DECIDED');
    held.release();
    expect((await first).status).toBe(200);
    expect(await AppealModel.findById(appealId).lean()).toMatchObject({
      status: 'decided',
      decision: { outcome: 'reversed' },
    });
    expect(await CommentModel.findById(rejected._id).lean()).toMatchObject({ status: 'published' });
    expect(await ModerationLogModel.countDocuments({ siteId: site.id, action: 'appeal_decided' })).toBe(1);
  });

  it('when there is nothing to appeal, it is not theirs, or the window has passed, then a clear 4xx and nothing stored', async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { bannedWords: ['skräp'] } });
    const published = await postAndDecide(h, site, 'Helt i sin ordning', AUTHOR);
    const notAppealable = await appeal(site, published._id);
    expect(notAppealable.status).toBe(409);
    expect(notAppealable.body.error.code).toBe('NOT_APPEALABLE');

    const rejected = await postAndDecide(h, site, 'Skräp igen', AUTHOR);
    const someoneElse = await appeal(site, rejected._id, 'Inte min', { sub: 'nagon-annan', name: 'Någon' });
    expect(someoneElse.status).toBe(403);
    expect(
      (await h.http.post(`/api/v1/comments/${rejected._id}/appeal`).send({ text: 'Utan inloggning' })).status,
    ).toBe(401);
    expect((await appeal(site, rejected._id, '')).status).toBe(400);
    expect((await appeal(site, rejected._id, 'x'.repeat(1001))).status).toBe(400);

    await CommentModel.updateOne(
      { _id: rejected._id },
      { $set: { decidedAt: new Date(Date.now() - 184 * 86_400_000) } },
    );
    const late = await appeal(site, rejected._id);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('APPEAL_TOO_LATE');
    expect(await ownView(site, rejected._id)).toMatchObject({ decision: { appealUntil: null, appeal: null } });
    expect(await AppealModel.countDocuments({ siteId: site.id })).toBe(0);
    const unknown = await decide(site, '0123456789abcdef01234567', { outcome: 'reversed' });
    expect(unknown.status).toBe(404);
    expect((await decide(site, 'nope', { outcome: 'reversed' })).status).toBe(404);
  });
});

describe('appealing a ban', () => {
  it('when a banned commenter appeals, then they see the statement of the ban, the moderator who banned cannot decide, and a reversal by another lifts the ban', async () => {
    const site = await createSite(h, RELAXED);
    await postAndDecide(h, site, 'Före avstängningen', AUTHOR);
    await h.http
      .post(`/api/v1/sites/${site.id}/moderation/users/${AUTHOR.sub}/ban`)
      .set(await site.bearer(MODERATOR))
      .send({ reason: 'Upprepade personangrepp', reasonId: 'krankande_sprak' })
      .expect(201);
    const statement = await h.http.get(`/api/v1/sites/${site.id}/me/ban`).set(await site.bearer(AUTHOR));
    expect(statement.status).toBe(200);
    expect(statement.body.ban).toMatchObject({
      reasonId: 'krankande_sprak',
      until: null,
      appealUntil: expect.any(String),
      appeal: null,
    });
    expect(JSON.stringify(statement.body)).not.toContain('personangrepp'); // the moderator's note stays with moderators

    const filed = await h.http
      .post(`/api/v1/sites/${site.id}/me/ban/appeal`)
      .set(await site.bearer(AUTHOR))
      .send({ text: 'Jag lovar att skriva sakligt.' });
    expect(filed.status).toBe(201);
    const again = await h.http
      .post(`/api/v1/sites/${site.id}/me/ban/appeal`)
      .set(await site.bearer(AUTHOR))
      .send({ text: 'Igen' });
    expect(again.status).toBe(409);
    const appealId = filed.body.appeal.id as string;
    const queue = await h.http
      .get(`/api/v1/sites/${site.id}/moderation/queues/appeals`)
      .set(await site.bearer(MODERATOR));
    expect(queue.body.items[0]).toMatchObject({
      about: 'ban',
      mayDecide: false,
      comment: null,
      ban: { until: null, inForce: true },
      original: { action: 'banned', reasonId: 'krankande_sprak', note: 'Upprepade personangrepp' },
    });
    expect((await decide(site, appealId, { outcome: 'reversed' }, MODERATOR)).body.error.code).toBe('SAME_MODERATOR');
    expect((await decide(site, appealId, { outcome: 'reversed' })).status).toBe(200);

    expect((await h.http.get(`/api/v1/sites/${site.id}/me/ban`).set(await site.bearer(AUTHOR))).body).toEqual({
      ban: null,
    });
    const post = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer(AUTHOR))
      .send({ thread: 't', body: 'Tillbaka igen' });
    expect(post.status).toBe(201);
    const log = await ModerationLogModel.find({ siteId: site.id, appealId }).sort({ at: 1 }).lean();
    expect(log.map((e) => e.action)).toEqual(['appeal_received', 'appeal_decided', 'unbanned']);

    const notBanned = await h.http
      .post(`/api/v1/sites/${site.id}/me/ban/appeal`)
      .set(await site.bearer(AUTHOR))
      .send({ text: 'Ingen avstängning nu' });
    expect(notBanned.status).toBe(409);
    expect(notBanned.body.error.code).toBe('NOT_APPEALABLE');
  });
});

describe('appeals and personal data', () => {
  it('when the author exports their data, then their appeals are in it; when they are erased, then no appeal text is left anywhere', async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { bannedWords: ['skräp'] } });
    const rejected = await postAndDecide(h, site, 'Skräp att överklaga', AUTHOR);
    const text = 'Min överklagandetext med egna ord';
    const appealId = (await appeal(site, rejected._id, text)).body.appeal.id as string;
    const exported = await h.http.get(`/api/v1/sites/${site.id}/me/export`).set(await site.bearer(AUTHOR));
    expect(exported.body.appealsMade).toEqual([
      expect.objectContaining({
        id: appealId,
        about: 'comment',
        commentId: String(rejected._id),
        text,
        status: 'open',
        decisionAppealed: expect.objectContaining({ action: 'rejected', reasonId: 'krankande_sprak' }),
      }),
    ]);
    const erasure = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(AUTHOR));
    expect(erasure.status).toBe(202);
    const done = await completed(erasure.body.id);
    expect(done.receipt).toMatchObject({ appeals_made: 1 });
    const storage = await rawStorage(h);
    expect(storage).not.toContain(text);
    expect(storage).not.toContain('Skräp att överklaga');
    expect(await AppealModel.countDocuments({ siteId: site.id })).toBe(0);
  });

  it('when retention runs, then appeals decided more than appealDays ago are deleted and counted, open and younger ones stay, and the log keeps the case', async () => {
    const site = await createSite(h, {
      ...RELAXED,
      moderation: { bannedWords: ['skräp'] },
      retention: { appealDays: 30 },
    });
    const old = await postAndDecide(h, site, 'Gammalt skräp', AUTHOR);
    const young = await postAndDecide(h, site, 'Nytt skräp', AUTHOR);
    const open = await postAndDecide(h, site, 'Öppet skräp', AUTHOR);
    const ids: string[] = [];
    for (const c of [old, young, open]) ids.push((await appeal(site, c._id)).body.appeal.id);
    for (const id of ids.slice(0, 2))
      expect((await decide(site, id, { outcome: 'upheld', reasonId: 'reklam' })).status).toBe(200);
    await AppealModel.updateOne({ _id: ids[0] }, { $set: { 'decision.at': new Date(Date.now() - 31 * 86_400_000) } });
    const counts = await runRetention([], h.services.logger);
    expect(counts.appealsDeleted).toBe(1);
    expect((await AppealModel.find({ siteId: site.id }).lean()).map((a) => String(a._id)).sort()).toEqual(
      ids.slice(1).sort(),
    );
    expect(await ModerationLogModel.countDocuments({ siteId: site.id, appealId: ids[0] })).toBe(2);
  });
});
