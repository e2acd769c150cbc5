import { createSite, Harness, startHarness, TestSite } from './helpers/harness';

let h: Harness;
let site: TestSite;
beforeAll(async () => {
  h = await startHarness({ METRICS_TOKEN: 'test-metrics-token-0123456789' }); // so that /metrics is routed too
  site = await createSite(h);
});
afterAll(async () => {
  await h.close();
});

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'trace';

describe('methods a path does not have', () => {
  it.each<[Method, string, string]>([
    ['trace', '/healthz', 'GET, HEAD'],
    ['post', '/embed.js', 'GET, HEAD'],
    ['delete', '/api/v1/sites/{site}/thread', 'GET, HEAD'],
    ['put', '/api/v1/comments/0123456789abcdef01234567', 'PATCH, DELETE'],
    ['get', '/api/v1/sites/{site}/moderation/threads/close', 'POST'],
    ['patch', '/api/v1/sites/{site}/comments/', 'GET, HEAD, POST'],
  ])(
    'when %s %s is asked, then 405 METHOD_NOT_ALLOWED names the methods it has in Allow',
    async (method, path, allow) => {
      const res = await h.http[method](path.replace('{site}', site.id));
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe(allow);
      expect(res.body).toEqual({
        error: { code: 'METHOD_NOT_ALLOWED', message: expect.any(String), details: { allowed: allow.split(', ') } },
      });
    },
  );

  it('when the reader prefers English, then the 405 message is English, and Swedish otherwise', async () => {
    const sv = await h.http.delete('/healthz');
    const en = await h.http.delete('/healthz').set('Accept-Language', 'en');
    expect(sv.body.error.message).toMatch(/metod/);
    expect(en.body.error.message).toMatch(/method/);
  });

  it('when the admin sends a method an admin path does not have, then 405 comes after the key check', async () => {
    const anonymous = await h.http.delete(`/api/v1/admin/sites/${site.id}`);
    expect(anonymous.status).toBe(401);
    const admin = await h.http.delete(`/api/v1/admin/sites/${site.id}`).set(h.admin);
    expect(admin.status).toBe(405);
    expect(admin.headers.allow).toBe('GET, HEAD, PUT, PATCH');
  });

  it('when a path is unknown, then it is still 404 NOT_FOUND', async () => {
    const res = await h.http.post('/api/v1/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('when every operation in /openapi.json is called, then each is routed (the document that Allow comes from is true)', async () => {
    const doc = (await h.http.get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const calls = Object.entries(doc.paths).flatMap(([template, operations]) =>
      Object.keys(operations).map((method) => [method as Method, template] as const),
    );
    expect(calls.length).toBeGreaterThan(30);
    const unrouted: string[] = [];
    for (const [method, template] of calls) {
      const path = template.replace('{site}', site.id).replace(/\{[^}]+\}/g, '0123456789abcdef01234567');
      const res = await h.http[method](path).set(h.admin);
      if (res.status === 405 || res.body?.error?.details?.what === 'route')
        unrouted.push(`${method} ${template}: ${res.status}`);
    }
    expect(unrouted).toEqual([]);
  });
});
