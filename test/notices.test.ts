import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { EventModel } from '../src/modules/events/event.model';
import { ModerationLogModel } from '../src/modules/moderation-log/moderation-log.model';
import { NoticeModel } from '../src/modules/notices/notice.model';
import { runRetention } from '../src/modules/retention/retention.runner';
import { CommentModel } from '../src/modules/comments/comment.model';
import { createSite, TestSite, useHarness } from './helpers/harness';
import { createComment, createCommenter } from './helpers/factories';
import { MODERATOR, MODERATOR_2 } from './helpers/moderation';
import { completed } from './helpers/privacy';

const h = useHarness({ TRUST_PROXY: '1' }, { workers: true });

const DAY = 86_400_000;

/** A notifier no other test shares: a name, an address and words a raw scan can look for. */
function notifier() {
  const tag = randomUUID().slice(0, 8);
  return {
    name: `Nora Anmälare ${tag}`,
    email: `nora.${tag}@example.se`,
    explanation: `Kommentaren hotar en namngiven person (${tag}).`,
    ip: `2001:db8::${tag.slice(0, 4)}:${tag.slice(4)}`,
  };
}
type Notifier = ReturnType<typeof notifier>;

const published = async (site: TestSite, body = 'En kommentar som anmäls') =>
  (await createComment(h, site, { body, by: createCommenter(site), until: 'published' })).id;

/** Sends a notice as `who` (from their IP); `named: false` leaves name and address out. */
function sendNotice(
  site: TestSite,
  commentId: string,
  who: Notifier,
  options: { named?: boolean; reasonId?: string; extra?: Record<string, unknown> } = {},
) {
  const { named = true, reasonId = 'olaga_hot', extra = {} } = options;
  return h.http
    .post(`/api/v1/sites/${site.id}/notices`)
    .set('X-Forwarded-For', who.ip)
    .send({
      commentId,
      reasonId,
      explanation: who.explanation,
      ...(named ? { notifier: { name: who.name, email: who.email } } : {}),
      goodFaith: true,
      ...extra,
    });
}

async function noticed(site: TestSite, commentId: string, who: Notifier, named = true) {
  const res = await sendNotice(site, commentId, who, { named });
  if (res.status !== 201) throw new Error(`notice not sent: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { notice: { id: string; status: string }; token: string };
}

const decide = async (site: TestSite, id: string, body: Record<string, unknown>, moderator = MODERATOR) =>
  h.http
    .post(`/api/v1/sites/${site.id}/moderation/notices/${id}/decision`)
    .set(await site.bearer(moderator))
    .send(body);

const status = (id: string, token: string) => h.http.get(`/api/v1/notices/${id}`).query({ token });

describe('notices of illegal content', () => {
  it('when anyone sends a notice, then 201 with a token that reads its status, received and then decided once a moderator removes the comment; the answer names nobody', async () => {
    const site = await createSite(h);
    const commentId = await published(site, 'Hemlig kommentarstext 42');
    const who = notifier();

    const sent = await sendNotice(site, commentId, who);
    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({
      notice: { id: expect.stringMatching(/^[a-f0-9]{24}$/), status: 'received' },
      token: expect.any(String),
    });
    expect(Buffer.from(sent.body.token, 'base64url')).toHaveLength(32);
    const { id } = sent.body.notice;
    const stored = await NoticeModel.findById(id).lean();
    expect(JSON.stringify(stored)).not.toContain(sent.body.token);

    const before = await status(id, sent.body.token);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      notice: { id, status: 'received', reasonId: 'olaga_hot', createdAt: expect.any(String) },
    });

    const decided = await decide(site, id, { action: 'remove', reasonId: 'olaga_hot' });
    expect(decided.status).toBe(200);
    expect(decided.body.notice).toMatchObject({
      id,
      status: 'decided',
      decision: { action: 'removed', reasonId: 'olaga_hot' },
    });
    // A moderator's removal: gone for readers, kept for its author (the statement, an appeal).
    expect(await CommentModel.findById(commentId).lean()).toMatchObject({ status: 'removed', withheld: true });
    const page = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 't' });
    expect(page.body.comments.map((c: { id: string }) => c.id)).not.toContain(commentId);

    const after = await status(id, sent.body.token);
    expect(after.body).toEqual({
      notice: {
        id,
        status: 'decided',
        reasonId: 'olaga_hot',
        createdAt: expect.any(String),
        decision: { action: 'removed', reasonId: 'olaga_hot', at: expect.any(String) },
      },
    });
    for (const text of [who.name, who.email, 'Hemlig kommentarstext', who.explanation, 'Maja'])
      expect(after.text).not.toContain(text);
    // The notice outlives the comment: it is the case record.
    expect(await NoticeModel.findById(id).lean()).toMatchObject({ status: 'decided', notifierEmail: who.email });
  });

  it('when the token is wrong or missing, the id unknown or malformed, then 404 NOT_FOUND alike', async () => {
    const site = await createSite(h);
    const { notice, token } = await noticed(site, await published(site), notifier());
    for (const res of [
      await status(notice.id, `${token.slice(0, -2)}xx`),
      await h.http.get(`/api/v1/notices/${notice.id}`),
      await status('0'.repeat(24), token),
      await status('nope', token),
      await status(notice.id.toUpperCase(), token),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });

  it("when the site's widget reads a notice's status from the site's origin, then CORS lets it (and not another origin)", async () => {
    const site = await createSite(h);
    const { notice, token } = await noticed(site, await published(site), notifier());
    const ok = await status(notice.id, token).set('Origin', 'https://www.example.se');
    expect(ok.headers['access-control-allow-origin']).toBe('https://www.example.se');
    const other = await status(notice.id, token).set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers.vary).toMatch(/Origin/);
  });

  it('when the reason is of kind terms or unknown, then 422 REASON_REQUIRED naming the illegal ones; goodFaith other than true is 400', async () => {
    const site = await createSite(h);
    const commentId = await published(site);
    const who = notifier();
    for (const reasonId of ['reklam', 'finns_inte']) {
      const res = await sendNotice(site, commentId, who, { reasonId });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'REASON_REQUIRED', details: { reasonId } });
      expect(res.body.error.details.reasons).toEqual(expect.arrayContaining(['olaga_hot', 'fortal']));
      expect(res.body.error.details.reasons).not.toContain('reklam');
    }
    for (const goodFaith of [false, 'true', undefined]) {
      const res = await sendNotice(site, commentId, who, { extra: { goodFaith } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect(await NoticeModel.countDocuments({ siteId: site.id })).toBe(0);
  });

  it('when the comment is not published, on another site or unknown, then 404 NOT_FOUND', async () => {
    const site = await createSite(h, { moderation: { mode: 'pre' } });
    const held = (await createComment(h, site, { until: 'decided' })).id;
    expect((await CommentModel.findById(held).lean())?.status).toBe('pending');
    const elsewhere = await createSite(h);
    const there = await published(elsewhere);
    for (const commentId of [held, there, '0'.repeat(24)]) {
      const res = await sendNotice(site, commentId, notifier());
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });

  it('when one IP sends more notices in an hour than noticesPerIpPerHour, then 429 RATE_LIMITED with Retry-After', async () => {
    const site = await createSite(h, { rateLimits: { noticesPerIpPerHour: 2 } });
    const who = notifier();
    const comments = [await published(site), await published(site), await published(site)];
    expect((await sendNotice(site, comments[0]!, who, { named: false })).status).toBe(201);
    expect((await sendNotice(site, comments[1]!, who, { named: false })).status).toBe(201);
    const third = await sendNotice(site, comments[2]!, who, { named: false });
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('RATE_LIMITED');
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    // Another sender is not held back by it.
    expect((await sendNotice(site, comments[2]!, notifier(), { named: false })).status).toBe(201);
  });

  it('when one comment gets more notices in an hour than noticesPerCommentPerHour, then 429 RATE_LIMITED', async () => {
    const site = await createSite(h, { rateLimits: { noticesPerCommentPerHour: 2 } });
    const commentId = await published(site);
    expect((await sendNotice(site, commentId, notifier())).status).toBe(201);
    expect((await sendNotice(site, commentId, notifier())).status).toBe(201);
    const third = await sendNotice(site, commentId, notifier());
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toMatch(/^\d+$/);
    expect((await sendNotice(site, await published(site), notifier())).status).toBe(201);
  });

  it('when the same notifier notices the same comment while their notice is open, then 409 CONFLICT (by address, else by IP, also at once); once decided they may again', async () => {
    const site = await createSite(h);
    const commentId = await published(site);
    const who = notifier();
    const both = await Promise.all([sendNotice(site, commentId, who), sendNotice(site, commentId, who)]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(both.find((r) => r.status === 409)?.body.error).toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'already_noticed' },
    });
    // The same address from another IP is the same notifier.
    expect((await sendNotice(site, commentId, { ...who, ip: notifier().ip })).status).toBe(409);
    // Without an address, the IP tells: twice from one IP is 409, as a second notifier it is not.
    const anonymous = notifier();
    expect((await sendNotice(site, commentId, anonymous, { named: false })).status).toBe(201);
    expect((await sendNotice(site, commentId, anonymous, { named: false })).status).toBe(409);
    expect(await NoticeModel.countDocuments({ siteId: site.id })).toBe(2);

    const first = both.find((r) => r.status === 201)!.body.notice.id;
    expect((await decide(site, first, { action: 'no_action' })).status).toBe(200);
    expect((await sendNotice(site, commentId, who)).status).toBe(201);
  });

  it('when two moderators decide the same notice at once, then one decides it and the other gets 409 ALREADY_DECIDED; deciding it again is 409 too', async () => {
    const site = await createSite(h);
    const { notice } = await noticed(site, await published(site), notifier());
    const answers = await Promise.all([
      decide(site, notice.id, { action: 'no_action' }, MODERATOR),
      decide(site, notice.id, { action: 'remove', reasonId: 'olaga_hot' }, MODERATOR_2),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(answers.find((r) => r.status === 409)?.body.error.code).toBe('ALREADY_DECIDED');
    const again = await decide(site, notice.id, { action: 'no_action' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_DECIDED');
    const entries = await ModerationLogModel.find({ siteId: site.id, action: 'notice_decided' }).lean();
    expect(entries).toHaveLength(1);
  });

  it('when a moderator removes without a reason, or names no site reason, then 422; a non-moderator is 403; a malformed id is 404', async () => {
    const site = await createSite(h);
    const commentId = await published(site);
    const { notice } = await noticed(site, commentId, notifier());
    for (const body of [
      { action: 'remove' },
      { action: 'remove', reasonId: 'finns_inte' },
      { action: 'no_action', reasonId: 'finns_inte' },
    ]) {
      const res = await decide(site, notice.id, body);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('REASON_REQUIRED');
    }
    const reader = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/notices/${notice.id}/decision`)
      .set(await site.bearer())
      .send({ action: 'no_action' });
    expect(reader.status).toBe(403);
    expect((await decide(site, 'nope', { action: 'no_action' })).status).toBe(404);
    expect((await CommentModel.findById(commentId).lean())?.status).toBe('published');
    expect((await NoticeModel.findById(notice.id).lean())?.status).toBe('received');
  });

  it("when moderators read the queues, then notices are counted and listed oldest first with the explanation but never the notifier's name or address", async () => {
    const site = await createSite(h);
    const commentId = await published(site, 'Anmäld text');
    const named = notifier();
    const anonymous = notifier();
    const first = await noticed(site, commentId, named);
    const second = await noticed(site, commentId, anonymous, false);
    const mod = await site.bearer(MODERATOR);

    const counts = await h.http.get(`/api/v1/sites/${site.id}/moderation/queues`).set(mod);
    expect(counts.status).toBe(200);
    expect(counts.body).toMatchObject({ notices: 2, pending: 0 });

    const page = await h.http.get(`/api/v1/sites/${site.id}/moderation/queues/notices`).query({ limit: 1 }).set(mod);
    expect(page.status).toBe(200);
    expect(page.body.items).toEqual([
      {
        kind: 'notice',
        id: first.notice.id,
        status: 'received',
        reasonId: 'olaga_hot',
        explanation: named.explanation,
        createdAt: expect.any(String),
        decision: null,
        notifier: { named: true, email: true },
        openNoticesOnComment: 2,
        comment: {
          id: commentId,
          body: 'Anmäld text',
          status: 'published',
          thread: 't',
          createdAt: expect.any(String),
          author: { name: expect.stringMatching(/^Kim Kommentar/) },
        },
      },
    ]);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const rest = await h.http
      .get(`/api/v1/sites/${site.id}/moderation/queues/notices`)
      .query({ cursor: page.body.nextCursor })
      .set(mod);
    expect(rest.body.items.map((i: { id: string }) => i.id)).toEqual([second.notice.id]);
    expect(rest.body.items[0].notifier).toEqual({ named: false, email: false });
    expect(rest.body.nextCursor).toBeNull();
    for (const text of [named.name, named.email, anonymous.name]) {
      expect(page.text).not.toContain(text);
      expect(rest.text).not.toContain(text);
    }
  });

  it('when a decision is made, then every open notice about the comment is decided alike, each logged and told as an event with ids only', async () => {
    const site = await createSite(h);
    const commentId = await published(site);
    const a = await noticed(site, commentId, notifier());
    const b = await noticed(site, commentId, notifier(), false);

    const received = await ModerationLogModel.find({ siteId: site.id, action: 'notice_received' }).lean();
    expect(received).toHaveLength(2);
    expect(received.find((e) => String(e.noticeId) === a.notice.id)).toMatchObject({
      actorKind: 'notifier',
      actorId: null,
      actorName: null,
      reasonId: 'olaga_hot',
      threadKey: 't',
      claimKey: `n:${a.notice.id}:received`,
    });
    expect(String(received[0]!.commentId)).toBe(commentId);

    const res = await decide(site, b.notice.id, { action: 'remove', reasonId: 'fortal', reason: 'Förtal' });
    expect(res.status).toBe(200);
    expect(res.body.notice).toMatchObject({ id: b.notice.id, comment: null, openNoticesOnComment: 0 });
    for (const { notice, token } of [a, b])
      expect((await status(notice.id, token)).body.notice.decision).toMatchObject({
        action: 'removed',
        reasonId: 'fortal',
      });

    const decided = await ModerationLogModel.find({ siteId: site.id, action: 'notice_decided' }).lean();
    expect(decided.map((e) => e.claimKey).sort()).toEqual(
      [`n:${a.notice.id}:decided`, `n:${b.notice.id}:decided`].sort(),
    );
    for (const e of decided)
      expect(e).toMatchObject({
        actorKind: 'moderator',
        actorName: MODERATOR.name,
        outcome: 'removed',
        reasonId: 'fortal',
      });
    const stored = await NoticeModel.findById(a.notice.id).lean();
    expect(stored?.decision?.by).toEqual(decided[0]!.actorId);

    const events = await EventModel.find({
      siteId: site.id,
      type: { $in: ['notice.received', 'notice.decided'] },
    }).lean();
    expect(events.filter((e) => e.type === 'notice.received').map((e) => e.data)).toEqual(
      expect.arrayContaining([{ noticeId: a.notice.id, commentId, reasonId: 'olaga_hot' }]),
    );
    expect(events.filter((e) => e.type === 'notice.decided').map((e) => e.data)).toEqual(
      expect.arrayContaining([
        { noticeId: a.notice.id, commentId, action: 'removed', reasonId: 'fortal' },
        { noticeId: b.notice.id, commentId, action: 'removed', reasonId: 'fortal' },
      ]),
    );
    const counts = await h.http.get(`/api/v1/sites/${site.id}/moderation/queues`).set(await site.bearer(MODERATOR));
    expect(counts.body.notices).toBe(0);
  });

  it('when the comment is removed by its author, then its open notices stay, showing the comment as gone', async () => {
    const site = await createSite(h);
    const author = createCommenter(site);
    const commentId = (await createComment(h, site, { by: author, until: 'published' })).id;
    const { notice } = await noticed(site, commentId, notifier());
    expect((await h.http.delete(`/api/v1/comments/${commentId}`).set(await author.bearer())).status).toBe(204);
    const page = await h.http
      .get(`/api/v1/sites/${site.id}/moderation/queues/notices`)
      .set(await site.bearer(MODERATOR));
    expect(page.body.items).toEqual([expect.objectContaining({ id: notice.id, comment: null })]);
    const res = await decide(site, notice.id, { action: 'remove', reasonId: 'olaga_hot' });
    expect(res.status).toBe(200);
    expect(res.body.notice.decision.action).toBe('removed');
  });
});

describe("notifiers' personal data", () => {
  it('when a privacy officer exports by an address no profile has, then the notices sent with it are in the export; an unknown address stays 404', async () => {
    const site = await createSite(h);
    const who = notifier();
    const { notice } = await noticed(site, await published(site), who);
    const res = await h.http
      .post(`/api/v1/admin/sites/${site.id}/exports`)
      .set(h.admin)
      .send({ subject: { email: who.email.toUpperCase() } });
    expect(res.status).toBe(200);
    expect(res.body.exports).toHaveLength(1);
    expect(res.body.exports[0].profile).toBeNull();
    expect(res.body.exports[0].noticesMade).toEqual([
      expect.objectContaining({
        id: notice.id,
        explanation: who.explanation,
        notifier: { name: who.name, email: who.email },
        status: 'received',
      }),
    ]);
    const unknown = await h.http
      .post(`/api/v1/admin/sites/${site.id}/exports`)
      .set(h.admin)
      .send({ subject: { email: notifier().email } });
    expect(unknown.status).toBe(404);
  });

  it("when a commenter's profile has the address they sent notices with, then their own export holds those notices", async () => {
    const site = await createSite(h);
    const who = notifier();
    const me = createCommenter(site, { email: who.email });
    await createComment(h, site, { by: me });
    await noticed(site, await published(site), who);
    const res = await h.http.get(`/api/v1/sites/${site.id}/me/export`).set(await me.bearer());
    expect(res.status).toBe(200);
    expect(res.body.noticesMade).toEqual([expect.objectContaining({ notifier: { name: who.name, email: who.email } })]);
  });

  it('when a privacy officer files erasure by the address, then the name, address and explanation are gone from storage and the case stays', async () => {
    const site = await createSite(h);
    const who = notifier();
    const commentId = await published(site);
    const { notice, token } = await noticed(site, commentId, who);
    const res = await h.http
      .post(`/api/v1/admin/sites/${site.id}/erasure-requests`)
      .set(h.admin)
      .send({ subject: { email: who.email } });
    expect(res.status).toBe(202);
    const request = await completed(res.body.id);
    expect(request.receipt).toMatchObject({ notices_kept: 1 });

    const raw = JSON.stringify(await mongoose.connection.db!.collection('notices').find({}).toArray());
    for (const text of [who.email, who.name, who.explanation]) expect(raw).not.toContain(text);
    expect(await NoticeModel.findById(notice.id).lean()).toMatchObject({
      reasonId: 'olaga_hot',
      status: 'received',
      notifierEmailRef: null,
      dedupeKey: `x:${notice.id}`,
    });
    expect((await status(notice.id, token)).status).toBe(200);
    // The case can still be decided; the queue shows no explanation any more.
    expect((await decide(site, notice.id, { action: 'no_action' })).body.notice.explanation).toBeNull();
  });

  it('when the deciding moderator is erased, then the decision stays without their profile id', async () => {
    const site = await createSite(h);
    const { notice } = await noticed(site, await published(site), notifier());
    expect((await decide(site, notice.id, { action: 'no_action' })).status).toBe(200);
    expect((await NoticeModel.findById(notice.id).lean())?.decision?.by).toEqual(expect.anything());
    const res = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(MODERATOR));
    expect(res.status).toBe(202);
    await completed(res.body.id);
    expect((await NoticeModel.findById(notice.id).lean())?.decision).toMatchObject({ action: 'no_action', by: null });
  });

  it("when retention runs, then notifiers' data of notices decided more than noticeDays ago is deleted, younger ones and open ones are kept", async () => {
    const site = await createSite(h, { retention: { noticeDays: 30 } });
    const old = await noticed(site, await published(site), notifier());
    const young = await noticed(site, await published(site), notifier());
    const open = await noticed(site, await published(site), notifier());
    await decide(site, old.notice.id, { action: 'no_action' });
    await decide(site, young.notice.id, { action: 'no_action' });
    await NoticeModel.updateOne({ _id: old.notice.id }, { $set: { decidedAt: new Date(Date.now() - 31 * DAY) } });
    await NoticeModel.updateOne({ _id: young.notice.id }, { $set: { decidedAt: new Date(Date.now() - 29 * DAY) } });

    const counts = await runRetention([], h.services.logger);

    expect(counts.noticeNotifiersErased).toBeGreaterThanOrEqual(1);
    expect(await NoticeModel.findById(old.notice.id).lean()).toMatchObject({
      status: 'decided',
      reasonId: 'olaga_hot',
      explanation: null,
      notifierName: null,
      notifierEmail: null,
      notifierEmailRef: null,
      notifierErasedAt: expect.any(Date),
    });
    for (const kept of [young, open])
      expect((await NoticeModel.findById(kept.notice.id).lean())?.notifierEmail).toEqual(expect.any(String));
  });
});
