import { Types } from 'mongoose';
import { CommentModel } from '../src/modules/comments/comment.model';
import { EventModel } from '../src/modules/events/event.model';
import { eventIdOf, recordEvents } from '../src/modules/events/record-events';
import { erasureDeadlinesJob } from '../src/modules/privacy/erasure-deadlines.job';
import { ErasureRequestModel } from '../src/modules/privacy/erasure-request.model';
import { runRetention } from '../src/modules/retention/retention.runner';
import { holdAt } from '../src/shared/checkpoints';
import { createComment } from './helpers/factories';
import { createSite, eventually, TestSite, useHarness } from './helpers/harness';
import { MODERATOR, postAndDecide } from './helpers/moderation';
import { completed, decided, subject, write } from './helpers/privacy';

const h = useHarness({ TRUST_PROXY: '1' }, { workers: true });

const RELAXED = { rateLimits: { commentsPerCommenterPerMinute: 100, commentsPerIpPerMinute: 1000 } };

/** The site's events of these types, oldest first, once there are at least `n`. */
async function eventsOf(site: TestSite, types: string[], n = 1) {
  return eventually(async () => {
    const found = await EventModel.find({ siteId: site.id, type: { $in: types } })
      .sort({ createdAt: 1 })
      .lean();
    return found.length >= n ? found : undefined;
  });
}

const dataOf = async (site: TestSite, type: string, n = 1) => (await eventsOf(site, [type], n)).map((e) => e.data);

describe('the event feed, each event from its real cause', () => {
  it('when a clean comment is posted and published, then comment.created and comment.published name it by id, thread and status', async () => {
    const site = await createSite(h, RELAXED);
    const c = await postAndDecide(h, site, 'Ett vänligt inlägg', { sub: 'anna', name: 'Anna Andersson' });
    const id = String(c._id);
    expect(await dataOf(site, 'comment.created')).toEqual([
      { commentId: id, thread: 't', parentId: null, status: 'pending' },
    ]);
    expect(await dataOf(site, 'comment.published')).toEqual([
      { commentId: id, thread: 't', parentId: null, status: 'published', by: 'system', rules: [] },
    ]);
    const [created] = await eventsOf(site, ['comment.created']);
    expect(created!.state).not.toBe('held');
    expect(created!._id).toMatch(/^evt_[0-9a-f]{24}$/);
  });

  it('when a rule holds a comment and a moderator then rejects it, then comment.held names the queue and the rules, and comment.rejected says who', async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { suspectWords: ['kanske'] } });
    const held = await postAndDecide(h, site, 'Det är kanske fel');
    const id = String(held._id);
    expect(await dataOf(site, 'comment.held')).toEqual([
      {
        commentId: id,
        thread: 't',
        parentId: null,
        status: 'pending',
        queue: 'pending',
        rules: ['suspect_word'],
        reasonId: 'krankande_sprak',
      },
    ]);
    const decision = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/comments/${id}/decision`)
      .set(await site.bearer(MODERATOR))
      .send({ action: 'reject', reasonId: 'utanfor_amnet', reason: 'Inte sakligt', version: held.version });
    expect(decision.status).toBe(200);
    const [rejected] = await dataOf(site, 'comment.rejected');
    expect(rejected).toMatchObject({ commentId: id, status: 'rejected', by: 'moderator', reasonId: 'utanfor_amnet' });
    // The moderator's own words stay in the moderation log; the event carries no free text.
    expect(JSON.stringify(rejected)).not.toContain('Inte sakligt');
  });

  it('when a rule rejects a comment, then comment.rejected carries the reason the site maps the rule to', async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { bannedWords: ['skräp'] } });
    const c = await postAndDecide(h, site, 'Rent skräp');
    expect(await dataOf(site, 'comment.rejected')).toEqual([
      {
        commentId: String(c._id),
        thread: 't',
        parentId: null,
        status: 'rejected',
        by: 'system',
        rules: ['banned_word'],
        reasonId: 'krankande_sprak',
      },
    ]);
  });

  it('when a moderator approves a held comment, then comment.published says a moderator published it', async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { mode: 'pre' } });
    const held = await postAndDecide(h, site, 'Väntar på granskning');
    await h.http
      .post(`/api/v1/sites/${site.id}/moderation/comments/${held._id}/decision`)
      .set(await site.bearer(MODERATOR))
      .send({ action: 'approve', version: held.version });
    expect(await dataOf(site, 'comment.published')).toEqual([
      expect.objectContaining({ commentId: String(held._id), by: 'moderator', status: 'published' }),
    ]);
  });

  it('when a reply is published, then comment.replied names the reply and the comment it answers, once even after an edit is published again', async () => {
    const site = await createSite(h, RELAXED);
    const parent = await postAndDecide(h, site, 'Frågan', { sub: 'fragare', name: 'F' });
    const reply = (
      await createComment(h, site, {
        body: 'Svaret',
        by: { sub: 'svarare', name: 'S' },
        parentId: String(parent._id),
        until: 'decided',
      })
    ).stored;
    expect(await dataOf(site, 'comment.replied')).toEqual([
      { commentId: String(reply._id), parentId: String(parent._id), thread: 't' },
    ]);
    const edit = await h.http
      .patch(`/api/v1/comments/${reply._id}`)
      .set(await site.bearer({ sub: 'svarare', name: 'S' }))
      .send({ body: 'Svaret, bättre' });
    expect(edit.status).toBe(200);
    await eventsOf(site, ['comment.published'], 3); // the parent, the reply, the edited reply
    expect(await EventModel.countDocuments({ siteId: site.id, type: 'comment.replied' })).toBe(1);
  });

  it('when comments are removed by their author, a moderator, retention and an erasure, then comment.removed says by whom', async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { bannedWords: ['skräp'] } });
    const own = await postAndDecide(h, site, 'Mitt eget', { sub: 'egen', name: 'E' });
    await h.http.delete(`/api/v1/comments/${own._id}`).set(await site.bearer({ sub: 'egen', name: 'E' }));
    const other = await postAndDecide(h, site, 'Olämpligt', { sub: 'annan', name: 'A' });
    await h.http.delete(`/api/v1/comments/${other._id}?reasonId=utanfor_amnet`).set(await site.bearer(MODERATOR));

    const old = await postAndDecide(h, site, 'Gammalt skräp', { sub: 'gammal', name: 'G' });
    await CommentModel.updateOne({ _id: old._id }, { $set: { decidedAt: new Date(Date.now() - 400 * 86_400_000) } });
    await runRetention([], h.services.logger);

    const s = subject();
    const erased = await write(h, site, s.claims, s.ip, 'Raderas snart');
    await decided(erased);
    const res = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s.claims));
    await completed(res.body.id);

    const removed = await dataOf(site, 'comment.removed', 4);
    const byComment = Object.fromEntries(removed.map((d) => [d.commentId, d.by]));
    expect(byComment).toEqual({
      [String(own._id)]: 'author',
      [String(other._id)]: 'moderator',
      [String(old._id)]: 'retention',
      [erased]: 'erasure',
    });
  });

  it('when reports reach the threshold, then comment.reported is written once for that round of reports', async () => {
    const site = await createSite(h, { ...RELAXED, moderation: { reportThreshold: 2 } });
    const c = await postAndDecide(h, site, 'Omstritt', { sub: 'skribent', name: 'S' });
    const report = async (sub: string) =>
      h.http
        .post(`/api/v1/comments/${c._id}/reports`)
        .set(await site.bearer({ sub, name: sub }))
        .send({ reason: 'other' });
    expect((await report('r1')).status).toBe(201);
    expect(await EventModel.countDocuments({ siteId: site.id, type: 'comment.reported' })).toBe(0);
    expect((await report('r2')).status).toBe(201);
    expect((await report('r3')).status).toBe(201);
    expect(await dataOf(site, 'comment.reported')).toEqual([{ commentId: String(c._id), thread: 't', reports: 2 }]);
  });

  it('when a thread is closed and reopened and a commenter banned and unbanned, then each is an event holding ids only', async () => {
    const site = await createSite(h, RELAXED);
    await postAndDecide(h, site, 'Hej', { sub: 'bannad-person', name: 'Bertil Bannad' });
    const mod = await site.bearer(MODERATOR);
    await h.http
      .post(`/api/v1/sites/${site.id}/moderation/threads/close`)
      .set(mod)
      .send({ thread: 't', reason: 'Klart nu' });
    await h.http.post(`/api/v1/sites/${site.id}/moderation/threads/reopen`).set(mod).send({ thread: 't' });
    const ban = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/users/bannad-person/ban`)
      .set(mod)
      .send({ reason: 'Påhopp', reasonId: 'krankande_sprak' });
    expect(ban.status).toBe(201);
    expect((await h.http.delete(`/api/v1/sites/${site.id}/moderation/users/bannad-person/ban`).set(mod)).status).toBe(
      204,
    );

    expect(await dataOf(site, 'thread.closed')).toEqual([{ thread: 't' }]);
    expect(await dataOf(site, 'thread.reopened')).toEqual([{ thread: 't' }]);
    const [banned] = await dataOf(site, 'commenter.banned');
    expect(banned).toEqual({
      banId: expect.stringMatching(/^[0-9a-f]{24}$/),
      reasonId: 'krankande_sprak',
      until: null,
    });
    expect(await dataOf(site, 'commenter.unbanned')).toEqual([{ banIds: [banned!.banId] }]);
    const all = JSON.stringify(await EventModel.find({ siteId: site.id }).lean());
    for (const personal of ['bannad-person', 'Bertil Bannad', 'Påhopp', 'Klart nu', 'Hej'])
      expect(all).not.toContain(personal);
  });

  it('when an erasure completes, then erasure.completed is held until the request is completed and, without a webhook for it, holds no sub', async () => {
    const site = await createSite(h);
    const s = subject();
    await decided(await write(h, site, s.claims, s.ip, 'Snart borta'));
    const beforeProfile = holdAt('erasure.final.beforeProfile');
    const res = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s.claims));
    await beforeProfile.reached;
    const [early] = await eventsOf(site, ['erasure.completed']);
    expect(early!.state).toBe('held'); // written while the profile is still there, not yet to be sent
    beforeProfile.release();
    const request = await completed(res.body.id);
    // Let go right after the request is marked completed.
    const event = await eventually(async () => {
      const [found] = await eventsOf(site, ['erasure.completed']);
      return found!.state !== 'held' && found;
    });
    expect(event.data).toEqual({ requestId: String(request._id) });
  });

  it('when an open erasure request passes its deadline, then the deadline job writes erasure.overdue once', async () => {
    const site = await createSite(h, { erasureGraceHours: 24 });
    const s = subject();
    await decided(await write(h, site, s.claims, s.ip, 'Vänta'));
    const res = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s.claims));
    const dueAt = new Date(Date.now() - 60_000);
    // The month has passed (the request is kept from running by a paused queue in life; here it is simply not run yet).
    await ErasureRequestModel.updateOne(
      { _id: res.body.id },
      { $set: { dueAt, status: 'scheduled', runAfter: new Date(Date.now() + 86_400_000) } },
    );
    const deps = { ...h.services, mailer: undefined };
    await erasureDeadlinesJob.handle({ run: 'erasure-deadlines' }, deps, h.services.logger);
    await erasureDeadlinesJob.handle({ run: 'erasure-deadlines' }, deps, h.services.logger);
    const overdue = await EventModel.find({ siteId: site.id, type: 'erasure.overdue' }).lean();
    expect(overdue.map((e) => e.data)).toEqual([{ requestId: res.body.id, dueAt: dueAt.toISOString() }]);
  });
});

describe('the event feed is durable and written once', () => {
  it('when a moderation job dies after deciding and before writing its events, then its retry writes them, once', async () => {
    const site = await createSite(h, RELAXED);
    const applied = holdAt('moderation.batch.applied');
    const post = createComment(h, site, { body: 'Avgörs två gånger', by: { sub: 'x', name: 'X' } });
    await applied.reached;
    applied.release(new Error('the worker died here'));
    const created = await post;
    await eventually(async () => (await CommentModel.findById(created.id).lean())?.status === 'published');
    const published = await eventsOf(site, ['comment.published']);
    expect(published.map((e) => e.data.commentId)).toEqual([created.id]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await EventModel.countDocuments({ siteId: site.id, type: 'comment.published' })).toBe(1);
    expect(await EventModel.countDocuments({ siteId: site.id, type: 'comment.created' })).toBe(1);
  });

  it('when the same cause writes its event twice, then the feed holds it once, and events are dispatched by the worker', async () => {
    const siteId = `s-${new Types.ObjectId().toHexString()}`;
    const event = { type: 'thread.closed' as const, siteId, cause: 'log:abc', data: { thread: 'x' } };
    await recordEvents([event]);
    await recordEvents([event, { ...event, cause: 'log:def' }]);
    expect(await EventModel.countDocuments({ siteId })).toBe(2);
    await eventually(
      async () => (await EventModel.findById(eventIdOf('thread.closed', 'log:abc')).lean())?.state === 'dispatched',
    );
  });
});
