import { createSite, useHarness } from './helpers/harness';

const h = useHarness();

describe('CORS', () => {
  it('when a browser calls from a configured origin, then CORS allows it; from another origin, it does not', async () => {
    const site = await createSite(h);
    const allowed = await h.http
      .options(`/api/v1/sites/${site.id}/comments`)
      .set('Origin', 'https://www.example.se')
      .set('Access-Control-Request-Method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://www.example.se');
    expect(allowed.headers['access-control-allow-headers']).toMatch(/Idempotency-Key/);
    const denied = await h.http
      .get(`/api/v1/sites/${site.id}/thread`)
      .query({ key: 'x' })
      .set('Origin', 'https://evil.example');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const admin = await h.http
      .options(`/api/v1/admin/sites/${site.id}`)
      .set('Origin', 'https://www.example.se')
      .set('Access-Control-Request-Method', 'PUT');
    expect(admin.headers['access-control-allow-origin']).toBeUndefined();
  });
});
