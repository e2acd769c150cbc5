import { startHarness, createSite, useHarness } from './helpers/harness';
import { postAndDecide } from './helpers/moderation';
import { pageCacheCount } from './helpers/page-cache';

const h = useHarness({}, { workers: true });

describe('HTTP caching of public reads', () => {
  it('when a reader without a login reads comments, then the answer may be cached briefly, varies by Authorization, and a repeat with its ETag is 304', async () => {
    const site = await createSite(h);
    await postAndDecide(h, site, 'Cachebar', { sub: 'a', name: 'A' });
    const first = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 't' });
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('public, max-age=5, stale-while-revalidate=30');
    expect(first.headers.vary).toMatch(/Authorization/);
    const etag = first.headers.etag as string;
    expect(etag).toEqual(expect.any(String));

    const again = await h.http
      .get(`/api/v1/sites/${site.id}/comments`)
      .query({ thread: 't' })
      .set('If-None-Match', etag);
    expect(again.status).toBe(304);
    expect(again.text ?? '').toBe('');

    // A change makes the old ETag stale at once: the next revalidation gets the new page.
    await postAndDecide(h, site, 'Ny kommentar', { sub: 'b', name: 'B' });
    const changed = await h.http
      .get(`/api/v1/sites/${site.id}/comments`)
      .query({ thread: 't' })
      .set('If-None-Match', etag);
    expect(changed.status).toBe(200);
    expect(changed.body.comments.map((c: { body: string }) => c.body)).toEqual(['Cachebar', 'Ny kommentar']);
  });

  it('when a public read is answered again from the stored response, then it carries the same headers as the first answer, its own request id and the same body', async () => {
    const site = await createSite(h);
    await postAndDecide(h, site, 'Samma svar', { sub: 'a', name: 'A' });
    const read = () =>
      h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 't' }).set('Origin', 'https://blogg.example');
    const first = await read();
    const replaysBefore = await pageCacheCount(h, 'replay');
    const replayed = await read();
    expect(replayed.status).toBe(200);
    expect(await pageCacheCount(h, 'replay')).toBe(replaysBefore + 1);
    const perAnswer = new Set(['x-request-id', 'date']);
    const stable = (headers: Record<string, string>) =>
      Object.fromEntries(Object.entries(headers).filter(([name]) => !perAnswer.has(name)));
    expect(stable(replayed.headers)).toEqual(stable(first.headers));
    expect(replayed.text).toBe(first.text);
    expect(replayed.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(replayed.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    const notModified = await read().set('If-None-Match', first.headers.etag as string);
    expect(notModified.status).toBe(304);
    expect(notModified.headers.etag).toBe(first.headers.etag);
    expect(notModified.headers['cache-control']).toBe(first.headers['cache-control']);
    expect(notModified.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when the thread state, counts or replies are read anonymously, then they are public too', async () => {
    const site = await createSite(h);
    const parent = await postAndDecide(h, site, 'Förälder', { sub: 'a', name: 'A' });
    for (const path of [
      `/api/v1/sites/${site.id}/thread?key=t`,
      `/api/v1/sites/${site.id}/counts?key=t`,
      `/api/v1/sites/${site.id}/comments/${parent._id}/replies`,
    ]) {
      const res = await h.http.get(path);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=5, stale-while-revalidate=30');
    }
  });

  it('when a reader with a token reads, or anything personal is read, then nothing may be stored', async () => {
    const site = await createSite(h);
    const withToken = await h.http
      .get(`/api/v1/sites/${site.id}/comments`)
      .query({ thread: 't' })
      .set(await site.bearer());
    expect(withToken.headers['cache-control']).toBe('private, no-store');
    const me = await h.http.get(`/api/v1/sites/${site.id}/me`).set(await site.bearer());
    expect(me.headers['cache-control']).toBe('private, no-store');
    const admin = await h.http.get(`/api/v1/admin/sites/${site.id}`).set(h.admin);
    expect(admin.headers['cache-control']).toBe('private, no-store');
    const missing = await h.http.get('/api/v1/sites/no-such-site/comments').query({ thread: 't' });
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control']).toBe('no-store');
  });

  it('when both cache settings are 0, then caches must revalidate every public read', async () => {
    const strict = await startHarness({ PUBLIC_CACHE_MAX_AGE_S: '0', PUBLIC_CACHE_STALE_S: '0' });
    try {
      const site = await createSite(strict);
      const res = await strict.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 't' });
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers.etag).toEqual(expect.any(String));
    } finally {
      await strict.close();
    }
  });
});
