import { BanModel } from '../src/modules/bans/ban.model';
import { createSite, useHarness } from './helpers/harness';
import { MODERATOR, postAndDecide } from './helpers/moderation';
import { completed, rawStorage, subject } from './helpers/privacy';

const h = useHarness({}, { workers: true });

describe('a ban survives the erasure of its subject', () => {
  it('when a banned commenter has their data erased and logs in again, then they are still banned, the receipt says the ban was kept and why, and nothing identifies them', async () => {
    const site = await createSite(h);
    const s = subject();
    await postAndDecide(h, site, 'Något som ledde till avstängning', s.claims);
    const ban = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/users/${s.claims.sub}/ban`)
      .set(await site.bearer(MODERATOR))
      .send({ reasonId: 'krankande_sprak', reason: 'Upprepade påhopp' });
    expect(ban.status).toBe(201);

    const request = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s.claims));
    expect(request.status).toBe(202);
    await completed(request.body.id);
    const receipt = await h.http
      .get(`/api/v1/erasure-requests/${request.body.id}`)
      .query({ token: request.body.receiptToken });
    expect(receipt.body.receipt).toMatchObject({ profile: 1, bans_kept: 1 });
    expect(receipt.body.kept).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ what: 'sanctions', count: 1, why: expect.stringContaining('ban') }),
      ]),
    );
    const storage = await rawStorage(h);
    for (const value of [s.claims.sub, s.claims.name, s.claims.email]) expect(storage).not.toContain(value);
    expect(await BanModel.findOne({ siteId: site.id }).lean()).toMatchObject({ commenterId: null, liftedAt: null });

    // The same host login comes back: a new profile, the same ban.
    const again = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer(s.claims))
      .send({ thread: 't', body: 'Nu är jag tillbaka' });
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('BANNED');
    const exported = await h.http.get(`/api/v1/sites/${site.id}/me/export`).set(await site.bearer(s.claims));
    expect(exported.body.sanctions).toEqual([expect.objectContaining({ reason: 'Upprepade påhopp', liftedAt: null })]);

    // A moderator can still lift it, by the same host user id.
    expect(
      (
        await h.http
          .delete(`/api/v1/sites/${site.id}/moderation/users/${s.claims.sub}/ban`)
          .set(await site.bearer(MODERATOR))
      ).status,
    ).toBe(204);
    const lifted = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer(s.claims))
      .send({ thread: 't', body: 'Nu får jag skriva' });
    expect(lifted.status).toBe(201);
  });
});
