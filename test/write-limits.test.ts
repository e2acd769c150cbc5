import { CommenterModel } from '../src/modules/commenters/commenter.model';
import { siteGenerationKey } from '../src/infra/page-cache';
import { ErasureRequestModel } from '../src/modules/privacy/erasure-request.model';
import { MAX_RECEIPT_TOKENS } from '../src/modules/privacy/erasure.service';
import { ERASURE_REQUESTS_PER_HOUR } from '../src/modules/comments/write-rate-limit';
import { createCommenter } from './helpers/factories';
import { createSite, TestSite, useHarness } from './helpers/harness';
import { MODERATOR, postAndDecide } from './helpers/moderation';

const h = useHarness({}, { workers: true });

const AUTHOR = { sub: 'limits-author', name: 'Lina Gräns' };

/** What a refused write must leave as it was: the profile and the site's page-cache generation. */
async function untouched(site: TestSite, sub: string) {
  await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 't' }); // the generation exists once pages are read
  const profile = await CommenterModel.findOne({ siteId: site.id, sub }).lean();
  const generation = await h.services.redis.client.get(siteGenerationKey(h.config.QUEUE_PREFIX, site.id));
  expect(generation).toEqual(expect.any(String));
  return { profile, generation };
}

async function post(site: TestSite, body: string, claims: Record<string, unknown> = {}) {
  return h.http
    .post(`/api/v1/sites/${site.id}/comments`)
    .set(await site.bearer(claims))
    .send({ thread: 't', body });
}

describe('rate limits', () => {
  it('when a commenter exceeds the per-minute limit, then 429 RATE_LIMITED with Retry-After, and other commenters are unaffected', async () => {
    const site = await createSite(h, { rateLimits: { commentsPerCommenterPerMinute: 3, commentsPerIpPerMinute: 100 } });
    for (let i = 0; i < 3; i++) expect((await post(site, `nr ${i}`)).status).toBe(201);
    const limited = await post(site, 'en för mycket');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await post(site, 'annan', createCommenter(site).claims)).status).toBe(201);
  });

  it('when one IP exceeds its limit across commenters, then 429 RATE_LIMITED', async () => {
    const site = await createSite(h, { rateLimits: { commentsPerCommenterPerMinute: 100, commentsPerIpPerMinute: 2 } });
    expect((await post(site, '1', createCommenter(site).claims)).status).toBe(201);
    expect((await post(site, '2', createCommenter(site).claims)).status).toBe(201);
    expect((await post(site, '3', createCommenter(site).claims)).status).toBe(429);
  });

  it('when rate limits are counted, then Redis holds no user id or IP in clear', async () => {
    const site = await createSite(h, { rateLimits: { commentsPerCommenterPerMinute: 50 } });
    await post(site, 'spår', { sub: 'very-identifiable-user', name: 'X' });
    const keys = await h.services.redis.client.keys(`${h.config.QUEUE_PREFIX}:rl:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toMatch(/very-identifiable-user|127\.0\.0\.1|::1/);
  });
});

describe('edits count against the write limits', () => {
  it('when an author edits faster than the per-commenter limit, then the edit over the limit answers 429 and changes nothing', async () => {
    const site = await createSite(h, { rateLimits: { commentsPerCommenterPerMinute: 2 } });
    const comment = await postAndDecide(h, site, 'Version ett', AUTHOR);
    const first = await h.http
      .patch(`/api/v1/comments/${comment._id}`)
      .set(await site.bearer(AUTHOR))
      .send({ body: 'Version två' });
    expect(first.status).toBe(200);
    const second = await h.http
      .patch(`/api/v1/comments/${comment._id}`)
      .set(await site.bearer(AUTHOR))
      .send({ body: 'Version tre' });
    expect(second.status).toBe(429);
    expect(second.body.error.code).toBe('RATE_LIMITED');
    expect(second.headers['retry-after']).toMatch(/^\d+$/);
  });
});

describe('a refused write writes nothing', () => {
  it("when a banned commenter posts, then the answer is 403 and neither their profile nor the site's cached pages are touched", async () => {
    const site = await createSite(h);
    await postAndDecide(h, site, 'Före avstängningen', AUTHOR);
    await h.http
      .post(`/api/v1/sites/${site.id}/moderation/users/${AUTHOR.sub}/ban`)
      .set(await site.bearer(MODERATOR))
      .send({ reasonId: 'krankande_sprak', reason: 'Spam' });
    const before = await untouched(site, AUTHOR.sub);
    const res = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer({ ...AUTHOR, name: 'Nytt namn' }))
      .send({ thread: 't', body: 'Efter' });
    expect(res.status).toBe(403);
    expect(await untouched(site, AUTHOR.sub)).toEqual(before);
  });

  it('when a commenter is over the rate limit, then the answer is 429 and nothing is written', async () => {
    const site = await createSite(h, { rateLimits: { commentsPerCommenterPerMinute: 1 } });
    await postAndDecide(h, site, 'Den enda', AUTHOR);
    const before = await untouched(site, AUTHOR.sub);
    const res = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer({ ...AUTHOR, name: 'Nytt namn' }))
      .send({ thread: 't', body: 'En till' });
    expect(res.status).toBe(429);
    expect(await untouched(site, AUTHOR.sub)).toEqual(before);
  });

  it('when a reader reports the same comment twice, then the second answers 409 and nothing is written', async () => {
    const site = await createSite(h);
    const comment = await postAndDecide(h, site, 'Anmäl mig', AUTHOR);
    const reader = { sub: 'reader', name: 'Rolf Läsare' };
    expect(
      (
        await h.http
          .post(`/api/v1/comments/${comment._id}/reports`)
          .set(await site.bearer(reader))
          .send({ reason: 'spam' })
      ).status,
    ).toBe(201);
    const before = await untouched(site, reader.sub);
    const again = await h.http
      .post(`/api/v1/comments/${comment._id}/reports`)
      .set(await site.bearer({ ...reader, name: 'Annat namn' }))
      .send({ reason: 'spam' });
    expect(again.status).toBe(409);
    expect(await untouched(site, reader.sub)).toEqual(before);
  });

  it('when a commenter writes again with the same name within the hour, then the profile is not rewritten', async () => {
    const site = await createSite(h);
    await postAndDecide(h, site, 'Ett', AUTHOR);
    const before = await CommenterModel.findOne({ siteId: site.id, sub: AUTHOR.sub }).lean();
    await postAndDecide(h, site, 'Två', AUTHOR);
    expect(await CommenterModel.findOne({ siteId: site.id, sub: AUTHOR.sub }).lean()).toEqual(before);
  });
});

describe('erasure requests are bounded', () => {
  it('when a subject asks for erasure over and over, then requests over the hourly limit answer 429 and the request holds a bounded number of receipt tokens', async () => {
    const site = await createSite(h, { erasureGraceHours: 24 });
    const results = [];
    for (let i = 0; i < 30; i++)
      results.push((await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(AUTHOR))).status);
    expect(results.filter((s) => s === 202)).toHaveLength(ERASURE_REQUESTS_PER_HOUR);
    expect(results.slice(ERASURE_REQUESTS_PER_HOUR).every((s) => s === 429)).toBe(true);

    // The privacy officer is not rate-limited, but the open request still takes at most MAX_RECEIPT_TOKENS tokens.
    const officer = [];
    for (let i = 0; i < 15; i++) {
      officer.push(
        await h.http
          .post(`/api/v1/admin/sites/${site.id}/erasure-requests`)
          .set(h.admin)
          .send({ subject: { sub: AUTHOR.sub } }),
      );
    }
    expect(officer.filter((r) => r.status === 202)).toHaveLength(MAX_RECEIPT_TOKENS - ERASURE_REQUESTS_PER_HOUR);
    expect(officer.at(-1)?.body.error).toMatchObject({ code: 'CONFLICT', details: { reason: 'too_many_receipts' } });
    const stored = await ErasureRequestModel.find({ siteId: site.id }).lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.receiptTokenHashes).toHaveLength(MAX_RECEIPT_TOKENS);
  });
});
