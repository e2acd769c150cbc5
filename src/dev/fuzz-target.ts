import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiNodeFlags } from '../../config/node-flags';
import { mintCommenterToken } from '../modules/auth/mint-commenter-token';
import { startEmbeddedMongo } from './embedded-mongo';
import { EmbeddedRedis } from './embedded-redis';
import { freePort } from './free-port';

/**
 * The production build as the OpenAPI fuzzer (scripts/fuzz-openapi.sh) meets it:
 *   node dist/src/dev/fuzz-target.js <out.json>
 * starts a throwaway FerretDB (or MongoDB) and redis-server, then `node dist/src/server.js`
 * and `node dist/workers/worker.js` with NODE_ENV=production on loopback, creates two
 * sites through the admin API, mints a commenter's and a moderator's JWT, seeds a thread
 * with two comments, and writes what the fuzzer needs to <out.json> (mode 0600). It runs
 * until SIGTERM or SIGINT and then stops everything it started.
 */

const dist = path.resolve(__dirname, '..', '..');
const children: ChildProcess[] = [];
const stops: Array<() => Promise<void>> = [];

/** What the fuzzer is told: where the API is, who it may be, and ids that exist. */
export interface FuzzTarget {
  baseUrl: string;
  adminKey: string;
  commenterToken: string;
  moderatorToken: string;
  /** The site commenters and moderators are fuzzed on. */
  site: string;
  /** A second site for the admin run, whose fuzzed PUTs would otherwise replace the first one's secret. */
  adminSite: string;
  /** The commenter's own published comment, and a reply to it. */
  commentIds: string[];
  commenterSub: string;
  thread: string;
}

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: fuzz-target.js <out.json>');
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kommentarer-fuzz-'));
  stops.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const mongo = await startEmbeddedMongo(path.join(dataDir, 'db'));
  stops.push(() => mongo.stop());
  const redis = await EmbeddedRedis.start();
  stops.push(() => redis.stop());

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const adminKey = randomBytes(24).toString('hex');
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: baseUrl,
    MONGODB_URI: mongo.uri,
    REDIS_URL: redis.url,
    ADMIN_API_KEY: adminKey,
    IP_HASH_SECRET: randomBytes(24).toString('hex'),
    QUEUE_PREFIX: 'fuzz',
    // The fuzzer makes up webhook URLs: no DNS query for them, no delivery outside loopback.
    WEBHOOK_NETWORK: 'loopback',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  spawnNode(path.join(dist, 'src', 'server.js'), env, apiNodeFlags(env));
  spawnNode(path.join(dist, 'workers', 'worker.js'), env);
  await waitUntilReady(baseUrl);

  const api = client(baseUrl, adminKey);
  const site = 'fuzz';
  const adminSite = 'fuzz-admin';
  const secret = randomBytes(32).toString('hex');
  for (const id of [site, adminSite]) {
    await api('PUT', `/api/v1/admin/sites/${id}`, { admin: true, body: siteConfig(secret) }, 201);
  }
  const commenterSub = 'fuzz-commenter';
  const commenterToken = await mintCommenterToken({
    siteId: site,
    secret,
    sub: commenterSub,
    name: 'Fia Fuzz',
    expiresIn: 2 * 3600,
  });
  const moderatorToken = await mintCommenterToken({
    siteId: site,
    secret,
    sub: 'fuzz-moderator',
    name: 'Moa Moderator',
    roles: ['moderator'],
    expiresIn: 2 * 3600,
  });

  const thread = '/fuzz/artikel';
  const first = await api(
    'POST',
    `/api/v1/sites/${site}/comments`,
    { token: commenterToken, body: { thread, body: 'Första kommentaren.' } },
    201,
  );
  const firstId = (first as { comment: { id: string } }).comment.id;
  await waitUntilPublished(api, site, thread, 1); // replies go to published comments only
  const reply = await api(
    'POST',
    `/api/v1/sites/${site}/comments`,
    { token: commenterToken, body: { thread, body: 'Ett svar.', parentId: firstId } },
    201,
  );
  const replyId = (reply as { comment: { id: string } }).comment.id;
  await waitUntilPublished(api, site, thread, 2);

  const target: FuzzTarget = {
    baseUrl,
    adminKey,
    commenterToken,
    moderatorToken,
    site,
    adminSite,
    commentIds: [firstId, replyId],
    commenterSub,
    thread,
  };
  fs.writeFileSync(out, JSON.stringify(target, null, 2), { mode: 0o600 });
  process.stdout.write(`fuzz target ready at ${baseUrl}\n`);
}

/** A site the fuzzer cannot rate-limit itself out of: a short run writes far more than a person. */
function siteConfig(secret: string): Record<string, unknown> {
  return {
    name: 'Fuzzbloggen',
    origins: ['http://127.0.0.1'],
    auth: { hs256Secret: secret },
    editWindowMinutes: 10_080,
    maxLength: 10_000, // the largest a site can set, which is what the document states
    rateLimits: { commentsPerCommenterPerMinute: 10_000, commentsPerIpPerMinute: 100_000 },
  };
}

type Api = (
  method: string,
  pathname: string,
  options: { admin?: boolean; token?: string; body?: unknown },
  expected: number,
) => Promise<unknown>;

function client(baseUrl: string, adminKey: string): Api {
  return async (method, pathname, { admin, token, body }, expected) => {
    const headers: Record<string, string> = {};
    if (admin) headers.Authorization = `Bearer ${adminKey}`;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${baseUrl}${pathname}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== expected)
      throw new Error(`${method} ${pathname} answered ${res.status}, not ${expected}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
}

function spawnNode(script: string, env: NodeJS.ProcessEnv, flags: string[] = []): void {
  const child = spawn(process.execPath, [...flags, script], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  child.once('exit', (code, signal) => {
    if (!shuttingDown) {
      process.stderr.write(`${path.basename(script)} exited (${signal ?? code}) while the fuzz target ran\n`);
      void shutdown(1);
    }
  });
  children.push(child);
}

async function waitUntilReady(baseUrl: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`${baseUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${baseUrl}/readyz did not answer 200 within 60 s`);
}

async function waitUntilPublished(api: Api, site: string, thread: string, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const state = (await api('GET', `/api/v1/sites/${site}/thread?key=${encodeURIComponent(thread)}`, {}, 200)) as {
      thread: { commentCount: number };
    };
    if (state.thread.commentCount >= count) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the seeded comments were not published within 30 s');
}

let shuttingDown = false;
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  process.exit(code);
}

main().catch((err: Error) => {
  process.stderr.write(`fuzz target failed to start: ${err.message}\n`);
  void shutdown(1);
});
