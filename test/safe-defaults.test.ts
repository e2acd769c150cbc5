/**
 * Safe defaults (from an outside audit): no development secrets or demo logins by
 * accident, no demo site in the image unless asked, /metrics not public, moderators' words
 * not shown to readers, thread links only to the site's own origins, `Vary: Origin` on
 * CORS answers, and failed jobs in Redis without error messages or stacks.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import mongoose from 'mongoose';
import { z } from 'zod';
import { parseEnv } from '../config/env';
import { closeServices } from '../src/container';
import { firstLookConfig } from '../src/dev/first-look-config';
import { freePort } from '../src/dev/free-port';
import { TypedQueue } from '../src/infra/queue';
import { createLogger } from '../src/infra/logger';
import { CommentModel } from '../src/modules/comments/comment.model';
import { loadSeedFile } from '../src/modules/sites/site.seed';
import { ThreadModel } from '../src/modules/threads/thread.model';
import { createThread } from './helpers/factories';
import { createSite, eventually, startHarness, useHarness } from './helpers/harness';
import { REPO_ROOT } from './helpers/paths';

const SECRETS = { ADMIN_API_KEY: 'safe-defaults-admin-key-0123', IP_HASH_SECRET: 'safe-defaults-ip-secret-0123' };
const METRICS_TOKEN = 'safe-defaults-metrics-token-0123';
const MODERATOR = { sub: 'mod-1', name: 'Maja Moderator', roles: ['moderator'] };

const h = useHarness();

function configProblems(env: Record<string, string>): string {
  try {
    parseEnv(env);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

describe('start-up without secrets', () => {
  it('when NODE_ENV is unset and there is no ADMIN_API_KEY or IP_HASH_SECRET, then the configuration is refused, naming both and how to ask for development mode', () => {
    const problems = configProblems({ MONGODB_URI: 'mongodb://127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1' });
    expect(problems).toMatch(/ADMIN_API_KEY/);
    expect(problems).toMatch(/IP_HASH_SECRET/);
    expect(problems).toMatch(/NODE_ENV=development/);
  });

  it('when NODE_ENV is test or production without secrets, then it is refused as well', () => {
    expect(configProblems({ NODE_ENV: 'test' })).toMatch(/ADMIN_API_KEY[\s\S]*IP_HASH_SECRET/);
    expect(
      configProblems({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1' }),
    ).toMatch(/ADMIN_API_KEY[\s\S]*IP_HASH_SECRET/);
  });

  it('when NODE_ENV is unset, then production rules apply', () => {
    const config = parseEnv({ ...SECRETS, MONGODB_URI: 'mongodb://127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1' });
    expect(config.NODE_ENV).toBe('production');
    expect(configProblems(SECRETS)).toMatch(/MONGODB_URI/);
  });

  it('when development mode is asked for explicitly, then development keys are used and the API stays on loopback unless HOST says otherwise', () => {
    const config = parseEnv({ NODE_ENV: 'development' });
    expect(config.ADMIN_API_KEY.length).toBeGreaterThanOrEqual(16);
    expect(config.IP_HASH_SECRET.length).toBeGreaterThanOrEqual(16);
    expect(config.HOST).toBe('127.0.0.1');
    expect(parseEnv({ NODE_ENV: 'development', HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
    expect(parseEnv({ ...SECRETS, MONGODB_URI: 'mongodb://127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1' }).HOST).toBe(
      '0.0.0.0',
    );
  });

  it('when npm start runs without NODE_ENV, then it asks for development mode and seeds the demo site', () => {
    const config = firstLookConfig({});
    expect(config.NODE_ENV).toBe('development');
    expect(config.SITES_SEED_FILE).toBe(path.join(REPO_ROOT, 'config/demo-sites.json'));
  });
});

describe('the demo login', () => {
  it('when /demo/token is asked for another site than demo, then 404, whatever the mode', async () => {
    await h.services.sites.seed(loadSeedFile(path.join(REPO_ROOT, 'config/demo-sites.json')));
    const site = await createSite(h);
    const other = await h.http.get(`/demo/token?role=moderator&site=${site.id}`);
    expect(other.status).toBe(404);
    expect(other.body.token).toBeUndefined();
    const demo = await h.http.get('/demo/token?role=moderator');
    expect(demo.status).toBe(200);
    expect(demo.body).toMatchObject({ site: 'demo', role: 'moderator' });
    const development = await startHarness({ NODE_ENV: 'development' });
    try {
      expect((await development.http.get(`/demo/token?role=moderator&site=${site.id}`)).status).toBe(404);
    } finally {
      await closeServices(development.services);
    }
  });
});

describe('the image', () => {
  it('when the image is built, then the demo seed (its secret is public) is not copied into it', () => {
    const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtimeStage).not.toMatch(/^COPY[^\n]*config/m);
  });

  it('when npm start runs in production mode, then it seeds no site unless SITES_SEED_FILE is set', () => {
    const production = {
      NODE_ENV: 'production',
      ...SECRETS,
      MONGODB_URI: 'mongodb://127.0.0.1/x',
      REDIS_URL: 'redis://127.0.0.1',
    };
    expect(firstLookConfig(production).SITES_SEED_FILE).toBeUndefined();
    expect(firstLookConfig({ ...production, SITES_SEED_FILE: '/seed.json' }).SITES_SEED_FILE).toBe('/seed.json');
  });

  it("when the entrypoint starts the API with the image's environment and no SITES_SEED_FILE, then no site is seeded", async () => {
    const database = `safe-image-${Date.now().toString(36)}`;
    const uri = new URL(process.env.MONGODB_URI as string);
    uri.pathname = `/${database}`;
    const port = await freePort();
    let out = '';
    const child = spawn('sh', ['docker/entrypoint.sh', 'api'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        ...SECRETS,
        MONGODB_URI: uri.toString(),
        REDIS_URL: process.env.REDIS_URL,
        QUEUE_PREFIX: `${h.config.QUEUE_PREFIX}-image`,
        LOG_LEVEL: 'info',
      },
    });
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      out += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await eventually(async () => out.includes('API listening') || child.exitCode !== null, 30_000);
      expect(out).toContain('API listening');
      const db = mongoose.connection.useDb(database, { useCache: false });
      expect(await db.collection('sites').countDocuments({})).toBe(0);
      await db.dropDatabase();
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(out).not.toContain('sites seeded');
  });
});

describe('metrics', () => {
  it('when no METRICS_TOKEN is configured, then /metrics on the API port answers 404', async () => {
    const res = await h.http.get('/metrics');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('http_request_duration_seconds');
  });

  it('when METRICS_TOKEN is configured, then /metrics needs it as a bearer', async () => {
    const guarded = await startHarness({ METRICS_TOKEN });
    try {
      const none = await guarded.http.get('/metrics');
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('LOGIN_REQUIRED');
      const wrong = await guarded.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`);
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe('INVALID_TOKEN');
      const right = await guarded.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
      expect(right.status).toBe(200);
      expect(right.text).toContain('queue_jobs{queue="moderation"');
    } finally {
      await closeServices(guarded.services);
    }
  });

  it('when METRICS_TOKEN is too short, then the configuration is refused', () => {
    expect(configProblems({ ...SECRETS, NODE_ENV: 'test', METRICS_TOKEN: 'short' })).toMatch(/METRICS_TOKEN/);
  });
});

describe('closing a thread', () => {
  it('when a stored thread holds a free-text reason (written before reasons were codes), then readers get the public code', async () => {
    const site = await createSite(h);
    await ThreadModel.create({
      siteId: site.id,
      key: 'gammal',
      title: null,
      url: null,
      status: 'closed',
      closedReason: 'Internt: troll i tråden',
      closedAt: new Date(),
      keepOpen: false,
      createdAt: new Date(),
    });
    const state = await h.http.get(`/api/v1/sites/${site.id}/thread`).query({ key: 'gammal' });
    expect(state.body.thread).toMatchObject({ status: 'closed', closedReason: 'closed_by_moderator' });
    const refused = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer())
      .send({ thread: 'gammal', body: 'Hej' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toEqual({ closedReason: 'closed_by_moderator' });
    expect(JSON.stringify(refused.body)).not.toContain('troll');
  });
});

describe('thread title and address', () => {
  const post = async (site: Awaited<ReturnType<typeof createSite>>, thread: string, extra: Record<string, unknown>) =>
    h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer())
      .send({ thread, body: 'Hej', ...extra });

  it("when the first comment names an address on another origin, then 400 VALIDATION_FAILED says it must be on the site's origins", async () => {
    const site = await createSite(h);
    for (const threadUrl of [
      'https://evil.example/artikel',
      'https://www.example.se.evil.example/artikel',
      'http://www.example.se/artikel',
      'https://www.example.se:8443/artikel',
    ]) {
      const res = await post(site, 'a', { threadUrl, threadTitle: 'Rubrik' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.issues).toEqual([{ path: 'threadUrl', problem: expect.stringMatching(/origins/) }]);
    }
    expect(await ThreadModel.findOne({ siteId: site.id, key: 'a' })).toBeNull();
  });

  it("when the address is on one of the site's origins, then it is kept with the title as given", async () => {
    const site = await createSite(h, { origins: ['https://www.example.se', 'https://blogg.example.se'] });
    const title = '<img src=x onerror=alert(1)> & "rubrik"';
    expect(
      (await post(site, 'b', { threadUrl: 'https://BLOGG.example.se:443/artikel/1?x=1', threadTitle: title })).status,
    ).toBe(201);
    const thread = await ThreadModel.findOne({ siteId: site.id, key: 'b' }).lean();
    expect(thread).toMatchObject({ url: 'https://BLOGG.example.se:443/artikel/1?x=1', title });
    // Later comments cannot change them, and a foreign address is refused there too.
    expect((await post(site, 'b', { threadUrl: 'https://evil.example/' })).status).toBe(400);
  });

  it("when a stored address is not on the site's origins (written earlier, or the origins changed), then the moderators' queue leaves it out and names the origins", async () => {
    const site = await createSite(h);
    await createThread(h, site, { key: 'ok', url: 'https://www.example.se/ok' });
    await createThread(h, site, { key: 'foreign' });
    await ThreadModel.updateOne({ siteId: site.id, key: 'foreign' }, { $set: { url: 'https://evil.example/phish' } });
    await CommentModel.updateMany({ siteId: site.id }, { $set: { held: true } }); // as a rule would hold them
    const page = await h.http
      .get(`/api/v1/sites/${site.id}/moderation/queues/pending`)
      .set(await site.bearer(MODERATOR));
    expect(page.body.items).toHaveLength(2);
    const urlOf = (key: string) =>
      page.body.items.find((i: { thread: { key: string } }) => i.thread.key === key).thread.url;
    expect(urlOf('ok')).toBe('https://www.example.se/ok');
    expect(urlOf('foreign')).toBeNull();
    expect(page.body.origins).toEqual(['https://www.example.se']);
  });
});

describe('Vary: Origin', () => {
  it('when a public API answer depends on the Origin, then it says so: allowed, refused, absent, preflight and error answers alike', async () => {
    const site = await createSite(h);
    const thread = `/api/v1/sites/${site.id}/thread?key=x`;
    const answers = [
      await h.http.get(thread).set('Origin', 'https://www.example.se'),
      await h.http.get(thread).set('Origin', 'https://evil.example'),
      await h.http.get(thread),
      await h.http
        .options(`/api/v1/sites/${site.id}/comments`)
        .set('Origin', 'https://www.example.se')
        .set('Access-Control-Request-Method', 'POST'),
      await h.http
        .options(`/api/v1/sites/${site.id}/comments`)
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'POST'),
      await h.http
        .post(`/api/v1/sites/${site.id}/comments`)
        .set('Origin', 'https://www.example.se')
        .send({ thread: 'x', body: 'utan inloggning' }),
      await h.http.get('/api/v1/sites/no-such-site/thread?key=x').set('Origin', 'https://www.example.se'),
      await h.http
        .patch('/api/v1/comments/0123456789abcdef01234567')
        .set('Origin', 'https://www.example.se')
        .send({ body: 'x' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 204, expect.any(Number), 401, 404, 404]);
    for (const answer of answers) expect(String(answer.headers.vary ?? '')).toMatch(/\bOrigin\b/);
    expect(answers[0]?.headers['access-control-allow-origin']).toBe('https://www.example.se');
    expect(answers[1]?.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('failed jobs in Redis', () => {
  const payload = z.object({ n: z.number() }).strict();
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(h.config.REDIS_URL as string);
  });
  afterAll(async () => {
    await redis.quit();
  });

  async function failedHash(queue: TypedQueue<{ n: number }>, jobId: string): Promise<Record<string, string>> {
    await eventually(async () => (await queue.state(jobId)) === 'failed');
    return redis.hgetall(`${h.config.QUEUE_PREFIX}:${queue.name}:${jobId}`);
  }

  it("when a job fails, then Redis keeps only the error's name and code: no message, no stack", async () => {
    const queue = new TypedQueue({ name: 'safe-fail', payload, attempts: 1 }, h.services.redis, h.config.QUEUE_PREFIX);
    try {
      queue.process(1, createLogger('silent'), async () => {
        throw Object.assign(new Error('E11000 duplicate key: { name: "Anna Andersson" }'), {
          name: 'MongoServerError',
          code: 11000,
        });
      });
      await queue.add('fails', { n: 1 });
      const hash = await failedHash(queue, 'fails');
      expect(hash.failedReason).toBe('MongoServerError:11000');
      expect(JSON.parse(hash.stacktrace as string)).toEqual([]);
      expect(JSON.stringify(hash)).not.toMatch(/Anna|duplicate key|\.js:\d/);
    } finally {
      await queue.close();
    }
  });

  it('when a job runs past its timeout, then Redis keeps only TimeoutError', async () => {
    const queue = new TypedQueue(
      { name: 'safe-timeout', payload, attempts: 1, attemptMs: 200 },
      h.services.redis,
      h.config.QUEUE_PREFIX,
    );
    let release = () => undefined as void;
    try {
      queue.process(
        1,
        createLogger('silent'),
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
          }),
      );
      await queue.add('hangs', { n: 1 });
      const hash = await failedHash(queue, 'hangs');
      expect(hash.failedReason).toBe('TimeoutError');
      expect(JSON.parse(hash.stacktrace as string)).toEqual([]);
    } finally {
      release();
      await queue.close();
    }
  });
});
