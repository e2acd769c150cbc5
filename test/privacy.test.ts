import mongoose from 'mongoose';
import { keyedHash } from '../src/infra/keyed-hash';
import { CommenterModel } from '../src/modules/commenters/commenter.model';
import { CommentModel } from '../src/modules/comments/comment.model';
import { ErasureRequestModel } from '../src/modules/privacy/erasure-request.model';
import { ErasureStepModel } from '../src/modules/privacy/erasure-step.model';
import { erasureJob } from '../src/modules/privacy/erasure.job';
import { createSite, Harness, startHarness, TestSite } from './helpers/harness';
import { completed, decided, rawStorage as rawStorageOf, subject, write as writeAs } from './helpers/privacy';
import { MODERATOR, postAndDecide } from './helpers/moderation';

let h: Harness;
// One proxy hop is trusted, so each subject can write from an address of their own.
beforeAll(async () => {
  h = await startHarness({ TRUST_PROXY: '1' });
  await h.startWorkers();
});
afterAll(async () => {
  await h.close();
});

const write = (
  site: TestSite,
  claims: Record<string, unknown>,
  ip: string,
  body: string,
  extra: Record<string, unknown> = {},
) => writeAs(h, site, claims, ip, body, extra);
const rawStorage = () => rawStorageOf(h);

describe('export', () => {
  it('when a commenter downloads their data, then profile, comments with threads, reports, decisions and sanctions are all there', async () => {
    const site = await createSite(h, { moderation: { bannedWords: ['fult'] } });
    const s = subject();
    const first = await write(site, s.claims, s.ip, 'Min första kommentar', {
      threadTitle: 'Artikel A',
      threadUrl: 'https://www.example.se/a',
    });
    const rejected = await write(site, s.claims, s.ip, 'Ett fult ord');
    const other = await postAndDecide(h, site, 'Någon annans', { sub: 'other', name: 'Other' });
    await decided(first);
    await decided(rejected);
    expect(
      (
        await h.http
          .post(`/api/v1/comments/${other._id}/reports`)
          .set(await site.bearer(s.claims))
          .send({ reason: 'spam', note: 'Reklam' })
      ).status,
    ).toBe(201);
    await h.http
      .post(`/api/v1/sites/${site.id}/moderation/users/${s.claims.sub}/ban`)
      .set(await site.bearer(MODERATOR))
      .send({ reasonId: 'krankande_sprak', reason: 'Test', until: new Date(Date.now() + 3_600_000).toISOString() });

    const res = await h.http.get(`/api/v1/sites/${site.id}/me/export`).set(await site.bearer(s.claims));
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/attachment/);
    expect(res.body.profile).toMatchObject({ sub: s.claims.sub, name: s.claims.name, email: s.claims.email });
    expect(res.body.comments).toEqual([
      expect.objectContaining({
        id: first,
        body: 'Min första kommentar',
        status: 'published',
        thread: { key: 'a', title: 'Artikel A', url: 'https://www.example.se/a' },
      }),
      expect.objectContaining({
        id: rejected,
        status: 'rejected',
        rulesFired: [expect.objectContaining({ rule: 'banned_word' })],
      }),
    ]);
    expect(res.body.reportsMade).toEqual([
      expect.objectContaining({ commentId: String(other._id), reason: 'spam', note: 'Reklam' }),
    ]);
    expect(res.body.moderationDecisions.map((d: { action: string }) => d.action)).toEqual([
      'published',
      'rejected',
      'banned',
    ]);
    expect(res.body.sanctions).toEqual([expect.objectContaining({ reason: 'Test', liftedAt: null })]);
  });
});

describe('export by a privacy officer', () => {
  it('when an officer exports a subject by email or host user id, then they get what the subject would download; an unknown subject is 404, no admin key is 401', async () => {
    const site = await createSite(h);
    const s = subject();
    const id = await write(site, s.claims, s.ip, 'Skrivet av den som begär ut sina uppgifter');
    await decided(id);
    const own = (await h.http.get(`/api/v1/sites/${site.id}/me/export`).set(await site.bearer(s.claims))).body;

    const byEmail = await h.http
      .post(`/api/v1/admin/sites/${site.id}/exports`)
      .set(h.admin)
      .send({ subject: { email: s.claims.email.toUpperCase() } });
    expect(byEmail.status).toBe(200);
    expect(byEmail.headers['cache-control']).toBe('no-store');
    expect(byEmail.body.exports).toHaveLength(1);
    const officer = byEmail.body.exports[0];
    expect({ ...officer, exportedAt: null }).toEqual({ ...own, exportedAt: null });
    expect(officer.comments).toEqual([
      expect.objectContaining({ id, body: 'Skrivet av den som begär ut sina uppgifter' }),
    ]);

    const bySub = await h.http
      .post(`/api/v1/admin/sites/${site.id}/exports`)
      .set(h.admin)
      .send({ subject: { sub: s.claims.sub } });
    expect(bySub.body.exports.map((e: { profile: { sub: string } }) => e.profile.sub)).toEqual([s.claims.sub]);

    const unknown = await h.http
      .post(`/api/v1/admin/sites/${site.id}/exports`)
      .set(h.admin)
      .send({ subject: { email: 'ingen@example.se' } });
    expect(unknown.status).toBe(404);
    expect(
      (await h.http.post(`/api/v1/admin/sites/${site.id}/exports`).send({ subject: { sub: s.claims.sub } })).status,
    ).toBe(401);
    const malformed = await h.http
      .post(`/api/v1/admin/sites/${site.id}/exports`)
      .set(h.admin)
      .send({ subject: { email: 'inte en adress' } });
    expect(malformed.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('erasure', () => {
  it('when the subject asks for erasure, then everything about them is gone from every collection and every Redis key, replies keep their place, and the receipt counts what was erased', async () => {
    const site = await createSite(h, { moderation: { mode: 'post' } });
    const s = subject();
    const ipHash = keyedHash(h.config.IP_HASH_SECRET, s.ip);
    const withReply = await write(site, s.claims, s.ip, 'Jag får svar');
    const alone = await write(site, s.claims, s.ip, 'Ingen svarar mig');
    await decided(withReply);
    await decided(alone);
    const reply = await postAndDecide(h, site, 'Ett svar från någon annan', { sub: 'replier', name: 'Replier' }, 'a');
    await CommentModel.updateOne({ _id: reply._id }, { $set: { parentId: new mongoose.Types.ObjectId(withReply) } });
    const others = await postAndDecide(h, site, 'Ännu en', { sub: 'other2', name: 'Other2' }, 'a');
    const mySubReply = await write(site, s.claims, s.ip, 'Mitt svar till någon', { parentId: String(others._id) });
    await decided(mySubReply);
    await h.http
      .post(`/api/v1/comments/${others._id}/reports`)
      .set(await site.bearer(s.claims))
      .send({ reason: 'other' });
    expect(await rawStorage()).toContain(s.claims.sub); // the scan does see the subject before erasure

    const res = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s.claims));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'scheduled', receiptToken: expect.any(String) });
    const request = await completed(res.body.id);

    const storage = await rawStorage();
    for (const value of [s.claims.sub, s.claims.name, s.claims.email, ipHash]) expect(storage).not.toContain(value);
    // Nothing ties the kept tombstone to the request any more: the steps that listed the
    // subject's comment ids are gone, and the request keeps only how many there were.
    expect(await ErasureStepModel.countDocuments({ requestId: request._id })).toBe(0);
    expect(request.steps).toBeGreaterThanOrEqual(2);

    const thread = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 'a' });
    const tombstone = thread.body.comments.find((c: { id: string }) => c.id === withReply);
    expect(tombstone).toMatchObject({ status: 'removed', body: '', author: null });
    expect(tombstone.replies.map((r: { body: string }) => r.body)).toEqual(['Ett svar från någon annan']);
    expect(await CommentModel.findById(alone).lean()).toBeNull();
    expect(await CommentModel.findById(mySubReply).lean()).toBeNull();
    expect(await CommentModel.findById(others._id).lean()).not.toBeNull();

    expect(request.receipt).toMatchObject({
      comments_deleted: 2,
      comments_tombstoned: 1,
      ip_hashes: 3,
      profile: 1,
      reports_made: 1,
    });
    const receipt = await h.http.get(`/api/v1/erasure-requests/${res.body.id}`).query({ token: res.body.receiptToken });
    expect(receipt.status).toBe(200);
    expect(receipt.body).toMatchObject({ status: 'completed', receipt: request.receipt });
    expect((await h.http.get(`/api/v1/erasure-requests/${res.body.id}`).query({ token: 'wrong' })).status).toBe(404);
  });

  it('when the subject replied to their own comment, then both are deleted and neither stays as a tombstone', async () => {
    const site = await createSite(h);
    const s = subject();
    const own = await write(site, s.claims, s.ip, 'Mitt inlägg');
    await decided(own);
    const ownReply = await write(site, s.claims, s.ip, 'Mitt tillägg', { parentId: own });
    await decided(ownReply);

    const res = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s.claims));
    const request = await completed(res.body.id);

    expect(await CommentModel.countDocuments({ siteId: site.id })).toBe(0);
    expect(request.receipt).toMatchObject({ comments_deleted: 2, comments_tombstoned: 0, ip_hashes: 2 });
  });

  it('when a privacy officer files requests by host user id and by email, then each subject is erased and the request keeps no personal data', async () => {
    const site = await createSite(h);
    const a = subject();
    const b = subject();
    await decided(await write(site, a.claims, a.ip, 'Från A'));
    await decided(await write(site, b.claims, b.ip, 'Från B'));

    const bySub = await h.http
      .post(`/api/v1/admin/sites/${site.id}/erasure-requests`)
      .set(h.admin)
      .send({ subject: { sub: a.claims.sub } });
    expect(bySub.status).toBe(202);
    const byEmail = await h.http
      .post(`/api/v1/admin/sites/${site.id}/erasure-requests`)
      .set(h.admin)
      .send({ subject: { email: b.claims.email.toUpperCase() } });
    expect(byEmail.status).toBe(202);
    await completed(bySub.body.id);
    await completed(byEmail.body.id);
    expect(await CommenterModel.countDocuments({ siteId: site.id, sub: { $in: [a.claims.sub, b.claims.sub] } })).toBe(
      0,
    );
    const stored = JSON.stringify(
      await ErasureRequestModel.find({ _id: { $in: [bySub.body.id, byEmail.body.id] } }).lean(),
    );
    for (const v of [a.claims.sub, a.claims.email, b.claims.sub, b.claims.email, bySub.body.receiptToken])
      expect(stored).not.toContain(v);

    const unknown = await h.http
      .post(`/api/v1/admin/sites/${site.id}/erasure-requests`)
      .set(h.admin)
      .send({ subject: { email: 'ingen@example.se' } });
    expect(unknown.status).toBe(404);
    const completedList = await h.http
      .get('/api/v1/admin/erasure-requests')
      .query({ status: 'completed', site: site.id })
      .set(h.admin);
    expect(completedList.body.requests.map((r: { id: string }) => r.id).sort()).toEqual(
      [bySub.body.id, byEmail.body.id].sort(),
    );
  });

  it('when a site has a grace period, then the subject can cancel inside it and nothing is erased; after completion cancelling is refused', async () => {
    const site = await createSite(h, { erasureGraceHours: 24 });
    const s = subject();
    await decided(await write(site, s.claims, s.ip, 'Jag ångrar mig'));
    const res = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s.claims));
    expect(Date.parse(res.body.runAfter) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const cancelled = await h.http
      .delete(`/api/v1/erasure-requests/${res.body.id}`)
      .query({ token: res.body.receiptToken });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(await CommenterModel.countDocuments({ siteId: site.id, sub: s.claims.sub })).toBe(1);
    expect((await h.services.jobQueues.of(erasureJob).counts()).delayed).toBe(0);

    const now = await createSite(h);
    await decided(await write(now, s.claims, s.ip, 'Radera direkt'));
    const direct = await h.http.post(`/api/v1/sites/${now.id}/me/erasure`).set(await now.bearer(s.claims));
    await completed(direct.body.id);
    const late = await h.http
      .delete(`/api/v1/erasure-requests/${direct.body.id}`)
      .query({ token: direct.body.receiptToken });
    expect(late.status).toBe(409);
  });

  it('when requests are older than 30 days and not completed, then the overdue list shows exactly those', async () => {
    const site = await createSite(h, { erasureGraceHours: 720 });
    const s1 = subject();
    const s2 = subject();
    await write(site, s1.claims, s1.ip, 'Ett');
    await write(site, s2.claims, s2.ip, 'Två');
    const old = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s1.claims));
    const fresh = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s2.claims));
    await ErasureRequestModel.updateOne(
      { _id: old.body.id },
      { $set: { createdAt: new Date(Date.now() - 31 * 86_400_000), dueAt: new Date(Date.now() - 86_400_000) } },
    );
    const overdue = await h.http
      .get('/api/v1/admin/erasure-requests')
      .query({ overdue: 'true', site: site.id })
      .set(h.admin);
    expect(overdue.body.requests.map((r: { id: string }) => r.id)).toEqual([old.body.id]);
    expect(overdue.body.requests[0].overdue).toBe(true);
    expect(fresh.status).toBe(202);
  });
});
