import { CommentModel } from '../src/modules/comments/comment.model';
import { IdempotencyModel } from '../src/modules/comments/idempotency.model';
import { createCommenter } from './helpers/factories';
import { createSite, TestSite, useHarness } from './helpers/harness';

const h = useHarness();

/** POSTs a comment with an Idempotency-Key; the answer is what the tests look at. */
async function postWithKey(site: TestSite, body: string, key: string, claims: Record<string, unknown> = {}) {
  return h.http
    .post(`/api/v1/sites/${site.id}/comments`)
    .set(await site.bearer(claims))
    .set('Idempotency-Key', key)
    .send({ thread: 't', body });
}

describe('idempotent posting', () => {
  it('when a POST is retried with the same Idempotency-Key, then the first comment is returned and only one exists', async () => {
    const site = await createSite(h);
    const first = await postWithKey(site, 'En gång', 'retry-123');
    const retry = await postWithKey(site, 'En gång', 'retry-123');
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.comment.id).toBe(first.body.comment.id);
    expect(await CommentModel.countDocuments({ siteId: site.id })).toBe(1);
  });

  it('when ten retries with one key race each other, then exactly one comment is made', async () => {
    const site = await createSite(h, { rateLimits: { commentsPerCommenterPerMinute: 100 } });
    const results = await Promise.all(Array.from({ length: 10 }, () => postWithKey(site, 'Kapplöpning', 'race-1')));
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.body.comment.id)).size).toBe(1);
    expect(await CommentModel.countDocuments({ siteId: site.id })).toBe(1);
  });

  it('when two commenters use the same key, then each gets their own comment', async () => {
    const site = await createSite(h);
    const a = await postWithKey(site, 'A', 'same', createCommenter(site).claims);
    const b = await postWithKey(site, 'B', 'same', createCommenter(site).claims);
    expect(a.body.comment.id).not.toBe(b.body.comment.id);
  });

  it('when the key is not stored in clear, then the database holds only its hash', async () => {
    const site = await createSite(h);
    await postWithKey(site, 'Hash', 'secret-key-value');
    const records = await IdempotencyModel.find({ siteId: site.id }).lean();
    expect(records).toHaveLength(1);
    expect(JSON.stringify(records)).not.toContain('secret-key-value');
  });
});
