import { CommentModel } from '../src/modules/comments/comment.model';
import { ModerationLogModel } from '../src/modules/moderation-log/moderation-log.model';
import { createSite, eventually, useHarness } from './helpers/harness';
import { MODERATOR, MODERATOR_2, postAndDecide } from './helpers/moderation';

const h = useHarness({}, { workers: true });

const generous = { rateLimits: { commentsPerCommenterPerMinute: 100, commentsPerIpPerMinute: 1000 } };

describe('automated rules', () => {
  it('when a comment holds a banned word, in any case or with punctuation, then it is rejected with the rule and word recorded', async () => {
    const site = await createSite(h, { ...generous, moderation: { bannedWords: ['skräp'] } });
    const upper = await postAndDecide(h, site, 'Vilket SKRÄP!');
    expect(upper.status).toBe('rejected');
    expect(upper.rules).toEqual([{ rule: 'banned_word', action: 'reject', detail: 'skräp' }]);
    const nfd = await postAndDecide(h, site, 'Det här är skra\u0308p', { sub: 'u2', name: 'B' });
    expect(nfd.status).toBe('rejected');
    const longer = await postAndDecide(h, site, 'En skräpig text', { sub: 'u3', name: 'C' });
    expect(longer.status).toBe('published');
  });

  it('when a comment holds a suspect word, then it is held in the pending queue for a person', async () => {
    const site = await createSite(h, { moderation: { suspectWords: ['idiot*'] } });
    const c = await postAndDecide(h, site, 'Vilka idioter');
    expect(c).toMatchObject({ status: 'pending', held: true });
    expect(c.rules[0]).toMatchObject({ rule: 'suspect_word', action: 'hold' });
    const queue = await h.http
      .get(`/api/v1/sites/${site.id}/moderation/queues/pending`)
      .set(await site.bearer(MODERATOR));
    expect(queue.body.items.map((i: { comment: { id: string } }) => i.comment.id)).toEqual([String(c._id)]);
  });

  it.each([
    ['a valid personnummer', 'Mitt personnummer är 811228-9874', 'personal_identity_number'],
    ['a 12-digit personnummer', 'Skriv till 198112289874', 'personal_identity_number'],
    ['a Swedish mobile number', 'Ring mig på 070-123 45 67', 'phone'],
    ['an international number', 'Nå mig på +46 70 123 45 67', 'phone'],
    ['an e-mail address', 'Mejla anna.andersson@example.se', 'email'],
    ['a payment card', 'Kortet 4111 1111 1111 1111', 'payment_card'],
    ['an IBAN', 'Betala till SE45 5000 0000 0583 9825 7466', 'iban'],
  ])(
    'when a comment holds %s, then it is held with reason personal_data and the kind found',
    async (_what, text, kind) => {
      const site = await createSite(h);
      const c = await postAndDecide(h, site, text);
      expect(c.status).toBe('pending');
      expect(c.rules).toEqual([{ rule: 'personal_data', action: 'hold', detail: expect.stringContaining(kind) }]);
    },
  );

  it('when digits only look like a personnummer (bad checksum) or a site turns the rule off, then the comment is published', async () => {
    const site = await createSite(h);
    expect((await postAndDecide(h, site, 'Ärendenummer 811228-9875')).status).toBe('published');
    const off = await createSite(h, { moderation: { holdPersonalData: false } });
    expect((await postAndDecide(h, off, 'Ring 070-123 45 67')).status).toBe('published');
  });

  it('when a comment has more links than maxLinks, then it is held', async () => {
    const site = await createSite(h, { moderation: { maxLinks: 1 } });
    expect((await postAndDecide(h, site, 'Läs https://example.se/a')).status).toBe('published');
    const c = await postAndDecide(h, site, 'Läs https://example.se/a och www.example.com/b', { sub: 'u2', name: 'B' });
    expect(c.status).toBe('pending');
    expect(c.rules[0]).toMatchObject({ rule: 'too_many_links', detail: '2 > 1' });
  });

  it('when a commenter posts the same text twice within minutes, then the second is rejected as a duplicate', async () => {
    const site = await createSite(h, generous);
    expect((await postAndDecide(h, site, 'Samma sak igen')).status).toBe('published');
    const again = await postAndDecide(h, site, 'Samma sak igen');
    expect(again.status).toBe('rejected');
    expect(again.rules).toEqual([{ rule: 'duplicate', action: 'reject', detail: null }]);
  });

  it('when a commenter posts a burst of comments, then the ones past the burst limit are held', async () => {
    const site = await createSite(h, generous);
    const decided = [];
    for (let i = 0; i < 6; i++) decided.push(await postAndDecide(h, site, `Kommentar nummer ${i}`));
    expect(decided.slice(0, 4).every((c) => c.status === 'published')).toBe(true);
    expect(decided[4]).toMatchObject({ status: 'pending', held: true });
    expect(decided[4]?.rules[0]?.rule).toBe('burst');
  });

  it('when a site pre-moderates, then clean comments wait for a person but banned words are still rejected', async () => {
    const site = await createSite(h, { moderation: { mode: 'pre', bannedWords: ['skräp'] } });
    expect(await postAndDecide(h, site, 'Helt vanlig kommentar')).toMatchObject({ status: 'pending', held: true });
    expect((await postAndDecide(h, site, 'skräp', { sub: 'u2', name: 'B' })).status).toBe('rejected');
    const log = await ModerationLogModel.find({ siteId: site.id, action: 'held' }).lean();
    expect(log[0]?.reason).toBe('pre_moderation');
  });
});

describe("the moderators' queue", () => {
  it('when comments are held, reported, rejected and approved, then the counts are exact and items carry thread, author history, rules and reports', async () => {
    const site = await createSite(h, {
      ...generous,
      moderation: { suspectWords: ['kanske'], bannedWords: ['skräp'], reportThreshold: 1 },
    });
    const held = await postAndDecide(h, site, 'Det är kanske så', {}, 'artikel-1');
    await postAndDecide(h, site, 'rent skräp', {}, 'artikel-1');
    const fine = await postAndDecide(h, site, 'Bra text', { sub: 'u2', name: 'Bo' }, 'artikel-2');
    const report = await h.http
      .post(`/api/v1/comments/${fine._id}/reports`)
      .set(await site.bearer({ sub: 'u3', name: 'Cia' }))
      .send({ reason: 'abuse', note: 'Otrevligt' });
    expect(report.status).toBe(201);

    const mod = await site.bearer(MODERATOR);
    const counts = await h.http.get(`/api/v1/sites/${site.id}/moderation/queues`).set(mod);
    expect(counts.body).toEqual({ pending: 1, reported: 1, rejected: 1, approved: 1, notices: 0, appeals: 0 });

    const pending = await h.http.get(`/api/v1/sites/${site.id}/moderation/queues/pending`).set(mod);
    const item = pending.body.items[0];
    expect(item).toMatchObject({
      comment: { id: String(held._id), body: 'Det är kanske så', status: 'pending' },
      thread: { key: 'artikel-1', status: 'open' },
      author: { sub: 'user-1', name: 'Anna Andersson', history: { published: 0, rejected: 1, pending: 1 } },
      rules: [{ rule: 'suspect_word', action: 'hold', detail: 'kanske' }],
      version: held.version,
    });
    const reported = await h.http.get(`/api/v1/sites/${site.id}/moderation/queues/reported`).set(mod);
    expect(reported.body.items[0].reports).toEqual([
      expect.objectContaining({ reason: 'abuse', note: 'Otrevligt', resolved: false }),
    ]);

    const byThread = await h.http
      .get(`/api/v1/sites/${site.id}/moderation/queues/approved`)
      .query({ thread: 'artikel-1' })
      .set(mod);
    expect(byThread.body.items).toHaveLength(0);
  });

  it('when a moderator approves a held comment, then readers see it published and the queue count drops', async () => {
    const site = await createSite(h, { moderation: { mode: 'pre' } });
    const held = await postAndDecide(h, site, 'Väntar');
    const mod = await site.bearer(MODERATOR);
    const res = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/comments/${held._id}/decision`)
      .set(mod)
      .send({ action: 'approve', version: held.version });
    expect(res.status).toBe(200);
    expect(res.body.item.comment.status).toBe('published');
    const list = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 't' });
    expect(list.body.comments.map((c: { body: string }) => c.body)).toEqual(['Väntar']);
    expect((await h.http.get(`/api/v1/sites/${site.id}/moderation/queues`).set(mod)).body).toMatchObject({
      pending: 0,
      approved: 1,
    });
  });

  it('when two moderators decide the same version at once, then one wins and the other gets 409 ALREADY_DECIDED', async () => {
    const site = await createSite(h, { moderation: { mode: 'pre' } });
    const held = await postAndDecide(h, site, 'Omstridd');
    const [a, b] = await Promise.all([
      h.http
        .post(`/api/v1/sites/${site.id}/moderation/comments/${held._id}/decision`)
        .set(await site.bearer(MODERATOR))
        .send({ action: 'approve', version: held.version }),
      h.http
        .post(`/api/v1/sites/${site.id}/moderation/comments/${held._id}/decision`)
        .set(await site.bearer(MODERATOR_2))
        .send({ action: 'reject', reasonId: 'utanfor_amnet', reason: 'Nej', version: held.version }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error.code).toBe('ALREADY_DECIDED');
    const winner = a.status === 200 ? 'published' : 'rejected';
    expect((await CommentModel.findById(held._id).lean())?.status).toBe(winner);
    expect(await ModerationLogModel.countDocuments({ commentId: held._id, actorKind: 'moderator' })).toBe(1);

    // Later, with the stale version or none at all, still 409: never a silent overwrite.
    const stale = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/comments/${held._id}/decision`)
      .set(await site.bearer(MODERATOR_2))
      .send({ action: 'reject', reasonId: 'utanfor_amnet', version: held.version });
    expect(stale.status).toBe(409);
    const noVersion = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/comments/${held._id}/decision`)
      .set(await site.bearer(MODERATOR_2))
      .send({ action: 'approve' });
    expect(noVersion.status).toBe(409);
  });

  it('when a moderator rejects with a reason, then the log records who, what, when and why', async () => {
    const site = await createSite(h, { moderation: { mode: 'pre' } });
    const held = await postAndDecide(h, site, 'Tveksam');
    const mod = await site.bearer(MODERATOR);
    await h.http
      .post(`/api/v1/sites/${site.id}/moderation/comments/${held._id}/decision`)
      .set(mod)
      .send({ action: 'reject', reasonId: 'utanfor_amnet', reason: 'Off topic', version: held.version });
    await h.http
      .post(`/api/v1/sites/${site.id}/moderation/threads/close`)
      .set(mod)
      .send({ thread: 't', reason: 'Klart' });
    const log = await h.http.get(`/api/v1/sites/${site.id}/moderation/log`).set(mod);
    expect(log.status).toBe(200);
    expect(log.body.entries.map((e: { action: string }) => e.action)).toEqual(['thread_closed', 'rejected', 'held']);
    expect(log.body.entries[1]).toMatchObject({
      actor: { kind: 'moderator', name: 'Maja Moderator' },
      action: 'rejected',
      reason: 'Off topic',
      commentId: String(held._id),
    });
    expect(log.body.entries[2].actor).toEqual({ kind: 'system', name: null });
    expect(Date.parse(log.body.entries[1].at)).not.toBeNaN();
    const page = await h.http.get(`/api/v1/sites/${site.id}/moderation/log`).query({ limit: 1 }).set(mod);
    const next = await h.http
      .get(`/api/v1/sites/${site.id}/moderation/log`)
      .query({ limit: 1, cursor: page.body.nextCursor })
      .set(mod);
    expect(next.body.entries[0].action).toBe('rejected');
  });

  it('when a reader without a moderator role asks for the queue, then 403 FORBIDDEN; an unknown queue is 404', async () => {
    const site = await createSite(h);
    expect((await h.http.get(`/api/v1/sites/${site.id}/moderation/queues`).set(await site.bearer())).status).toBe(403);
    expect(
      (await h.http.get(`/api/v1/sites/${site.id}/moderation/queues/nope`).set(await site.bearer(MODERATOR))).status,
    ).toBe(404);
  });
});

describe('reports', () => {
  it('when readers report, then one report per reader and comment is kept, own comments cannot be reported, and the threshold fills the reported queue', async () => {
    const site = await createSite(h, { moderation: { reportThreshold: 2 } });
    const c = await postAndDecide(h, site, 'Kontroversiellt');
    const url = `/api/v1/comments/${c._id}/reports`;
    expect(
      (
        await h.http
          .post(url)
          .set(await site.bearer())
          .send({ reason: 'spam' })
      ).status,
    ).toBe(403);
    expect(
      (
        await h.http
          .post(url)
          .set(await site.bearer({ sub: 'r1', name: 'R1' }))
          .send({ reason: 'spam' })
      ).status,
    ).toBe(201);
    const twice = await h.http
      .post(url)
      .set(await site.bearer({ sub: 'r1', name: 'R1' }))
      .send({ reason: 'abuse' });
    expect(twice.status).toBe(409);
    expect(
      (
        await h.http
          .post(url)
          .set(await site.bearer({ sub: 'r2', name: 'R2' }))
          .send({ reason: 'nonsense' })
      ).status,
    ).toBe(400);
    const mod = await site.bearer(MODERATOR);
    expect((await h.http.get(`/api/v1/sites/${site.id}/moderation/queues`).set(mod)).body.reported).toBe(0);
    expect(
      (
        await h.http
          .post(url)
          .set(await site.bearer({ sub: 'r2', name: 'R2' }))
          .send({ reason: 'personal_data' })
      ).status,
    ).toBe(201);
    expect((await h.http.get(`/api/v1/sites/${site.id}/moderation/queues`).set(mod)).body.reported).toBe(1);

    // Approving a reported comment settles its reports: it leaves the reported queue.
    const approve = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/comments/${c._id}/decision`)
      .set(mod)
      .send({ action: 'approve' });
    expect(approve.status).toBe(200);
    expect((await h.http.get(`/api/v1/sites/${site.id}/moderation/queues`).set(mod)).body.reported).toBe(0);
  });
});

describe('bans', () => {
  it('when a moderator bans a commenter, then their writes get 403 BANNED until the ban is lifted', async () => {
    const site = await createSite(h, generous);
    await postAndDecide(h, site, 'Första', { sub: 'troll', name: 'Troll' });
    const mod = await site.bearer(MODERATOR);
    const ban = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/users/troll/ban`)
      .set(mod)
      .send({ reasonId: 'krankande_sprak', reason: 'Upprepade påhopp' });
    expect(ban.status).toBe(201);
    const refused = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer({ sub: 'troll', name: 'Troll' }))
      .send({ thread: 't', body: 'Igen' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      code: 'BANNED',
      message: 'Du är avstängd från att kommentera på den här webbplatsen.',
    });
    expect(
      (
        await h.http
          .post(`/api/v1/sites/${site.id}/comments`)
          .set(await site.bearer({ sub: 'ok', name: 'Ok' }))
          .send({ thread: 't', body: 'Jag får' })
      ).status,
    ).toBe(201);

    expect((await h.http.delete(`/api/v1/sites/${site.id}/moderation/users/troll/ban`).set(mod)).status).toBe(204);
    expect(
      (
        await h.http
          .post(`/api/v1/sites/${site.id}/comments`)
          .set(await site.bearer({ sub: 'troll', name: 'Troll' }))
          .send({ thread: 't', body: 'Snäll nu' })
      ).status,
    ).toBe(201);
    const actions = (
      await ModerationLogModel.find({ siteId: site.id, action: { $in: ['banned', 'unbanned'] } })
        .sort({ at: 1 })
        .lean()
    ).map((e) => e.action);
    expect(actions).toEqual(['banned', 'unbanned']);
  });

  it('when a ban has an end date, then it ends by itself; a date in the past is refused', async () => {
    const site = await createSite(h);
    await postAndDecide(h, site, 'Hej', { sub: 'tmp', name: 'Tmp' });
    const mod = await site.bearer(MODERATOR);
    const past = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/users/tmp/ban`)
      .set(mod)
      .send({ reasonId: 'krankande_sprak', reason: 'x', until: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    const soon = new Date(Date.now() + 1500).toISOString();
    expect(
      (
        await h.http
          .post(`/api/v1/sites/${site.id}/moderation/users/tmp/ban`)
          .set(mod)
          .send({ reasonId: 'krankande_sprak', reason: 'Kort paus', until: soon })
      ).status,
    ).toBe(201);
    const during = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer({ sub: 'tmp', name: 'Tmp' }))
      .send({ thread: 't', body: 'Nu?' });
    expect(during.body.error.details.until).toBe(soon);
    await eventually(
      async () =>
        (
          await h.http
            .post(`/api/v1/sites/${site.id}/comments`)
            .set(await site.bearer({ sub: 'tmp', name: 'Tmp' }))
            .send({ thread: 't', body: `Nu då? ${Date.now()}` })
        ).status === 201,
      10_000,
    );
  });

  it('when an unknown commenter is banned, then 404 NOT_FOUND', async () => {
    const site = await createSite(h);
    const res = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/users/ingen/ban`)
      .set(await site.bearer(MODERATOR))
      .send({ reasonId: 'krankande_sprak', reason: 'x' });
    expect(res.status).toBe(404);
  });
});

describe('metrics', () => {
  it('when comments are decided, then post-to-decision time and processed jobs are counted', async () => {
    const site = await createSite(h);
    await postAndDecide(h, site, 'Mätbar');
    const text = await h.services.metrics.registry.metrics();
    expect(text).toMatch(/moderation_decision_seconds_count\{outcome="published"\} [1-9]/);
    expect(text).toMatch(/jobs_processed_total\{queue="moderation",outcome="published"\} [1-9]/);
  });
});
