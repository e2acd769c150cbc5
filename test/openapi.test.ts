import { Harness, startHarness } from './helpers/harness';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

describe('the OpenAPI document', () => {
  it('when /openapi.json is read, then it describes every public, moderation and admin endpoint', async () => {
    const doc = (await h.http.get('/openapi.json')).body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/api/v1/sites/{site}/thread', '/api/v1/sites/{site}/comments', '/api/v1/sites/{site}/counts', '/count.js', '/api/v1/comments/{id}', '/api/v1/sites/{site}/me',
      '/api/v1/sites/{site}/moderation/threads/close', '/api/v1/sites/{site}/moderation/threads/reopen',
      '/api/v1/admin/sites', '/api/v1/admin/sites/{site}', '/healthz', '/readyz', '/metrics', '/api/v1/comments/{id}/reports',
      '/api/v1/sites/{site}/moderation/queues', '/api/v1/sites/{site}/moderation/queues/{queue}',
      '/api/v1/sites/{site}/moderation/comments/{id}/decision', '/api/v1/sites/{site}/moderation/users/{sub}/ban',
      '/api/v1/sites/{site}/moderation/log', '/api/v1/sites/{site}/me/export', '/api/v1/sites/{site}/me/erasure',
      '/api/v1/erasure-requests/{id}', '/api/v1/admin/sites/{site}/erasure-requests', '/api/v1/admin/sites/{site}/exports', '/api/v1/admin/erasure-requests',
    ]));
    expect(doc.paths['/api/v1/sites/{site}/comments'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('body');
  });
});
