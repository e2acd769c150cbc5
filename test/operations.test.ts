import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import { EmbeddedRedis } from '../src/dev/embedded-redis';
import { createLogger } from '../src/infra/logger';
import { CommentModel } from '../src/modules/comments/comment.model';
import { OutboxModel } from '../src/modules/moderation/outbox.model';
import { createSite, eventually, Harness, startHarness } from './helpers/harness';

const logLines: string[] = [];
const sink = new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } });

const METRICS_TOKEN = 'operations-metrics-token-0123';

let redis: EmbeddedRedis;
let h: Harness;
beforeAll(async () => {
  redis = await EmbeddedRedis.start(); // our own Redis, so this file can stop and restart it
  h = await startHarness({ REDIS_URL: redis.url, METRICS_TOKEN }, { logger: createLogger('debug', {}, sink) });
  await h.startWorkers();
});
afterAll(async () => { await h.close(); await redis.stop(); });

describe('operations', () => {
  it('when probed, then /healthz is ok and /readyz reports MongoDB and Redis reachable', async () => {
    expect((await h.http.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await h.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ mongodb: true, redis: true });
  });

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

  it('when /metrics is read, then HTTP latency and queue depth are exposed for Prometheus', async () => {
    const res = await h.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('http_request_duration_seconds_bucket');
    expect(res.text).toContain('queue_jobs{queue="moderation"');
  });

  it('when a browser calls from a configured origin, then CORS allows it; from another origin, it does not', async () => {
    const site = await createSite(h);
    const allowed = await h.http.options(`/api/v1/sites/${site.id}/comments`).set('Origin', 'https://www.example.se').set('Access-Control-Request-Method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://www.example.se');
    expect(allowed.headers['access-control-allow-headers']).toMatch(/Idempotency-Key/);
    const denied = await h.http.get(`/api/v1/sites/${site.id}/thread`).query({ key: 'x' }).set('Origin', 'https://evil.example');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const admin = await h.http.options(`/api/v1/admin/sites/${site.id}`).set('Origin', 'https://www.example.se').set('Access-Control-Request-Method', 'PUT');
    expect(admin.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('when any response is sent, then helmet security headers are set and no stack trace leaks', async () => {
    const res = await h.http.get('/api/v1/sites/nope/thread').query({ key: 'x' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toMatch(/\bat\s|node_modules/);
  });

  it('when a comment is written, then the logs hold no comment text, name, email, token or IP', async () => {
    const site = await createSite(h);
    const token = await site.token({ sub: 'log-subject-42', name: 'Loggy Namesson', email: 'loggy@example.se' });
    await h.http.post(`/api/v1/sites/${site.id}/comments?token=query-secret`).set('Authorization', `Bearer ${token}`)
      .set('X-Forwarded-For', '203.0.113.77').send({ thread: 'logg', body: 'Hemlig kommentarstext' });
    await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 'logg' }).set('Authorization', `Bearer ${token}`);
    const moderator = await site.bearer({ sub: 'log-moderator', name: 'Mod', roles: ['moderator'] });
    await h.http.post(`/api/v1/sites/${site.id}/moderation/users/log-subject-42/ban`).set(moderator).send({ reason: 'test' });
    const all = logLines.join('\n');
    expect(all).toContain('"statusCode":201');
    expect(all).toContain('/moderation/users/:sub/ban');
    for (const secret of ['Hemlig kommentarstext', 'Loggy Namesson', 'loggy@example.se', 'log-subject-42', token, 'query-secret', '203.0.113.77', '127.0.0.1', '::ffff']) {
      expect(all).not.toContain(secret);
    }
  });

  it('when every model is indexed, then each declared index exists on its collection', async () => {
    for (const model of Object.values(mongoose.models)) {
      const existing = (await model.collection.listIndexes().toArray()).map((i) => JSON.stringify(i.key));
      for (const [fields] of model.schema.indexes()) expect(existing).toContain(JSON.stringify(fields));
    }
  });

  it('when Redis is down, then a comment is still accepted and stored, /readyz says so, and the comment is moderated once Redis is back', async () => {
    const site = await createSite(h);
    await redis.stop();
    const ready = await h.http.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.redis).toBe(false);

    const res = await h.http.post(`/api/v1/sites/${site.id}/comments`).set(await site.bearer()).send({ thread: 'nere', body: 'Skrivet medan Redis var borta' });
    expect(res.status).toBe(201);
    const stored = await CommentModel.findById(res.body.comment.id).lean();
    expect(stored?.status).toBe('pending');
    expect(await OutboxModel.countDocuments({ commentId: stored!._id })).toBe(1);
    const bypassed = async () => (await h.services.metrics.pageCache.get()).values.find((v) => v.labels.result === 'bypass')?.value ?? 0;
    const bypassedBefore = await bypassed();
    const read = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 'nere' });
    expect(read.status).toBe(200);
    expect(await bypassed()).toBe(bypassedBefore + 1); // the page cache steps aside without its tokens

    await redis.restart();
    await eventually(async () => (await CommentModel.findById(res.body.comment.id).lean())?.status === 'published', 30_000);
  });
});
