/**
 * Load benchmark (npm run bench): the API as its own process (dist/src/server.js) plus a
 * worker process (dist/workers/worker.js), driven over loopback by autocannon.
 *
 *   1. GET  /api/v1/sites/{id}/comments?thread=…&limit=50  (a thread of 50 published comments)
 *   2. POST /api/v1/sites/{id}/comments                   (signed commenter JWTs, several commenters)
 *
 * Uses MONGODB_URI / REDIS_URL when set, otherwise starts embedded servers. Prints
 * req/s, latency p50/p99, non-2xx count and the API process's peak RSS per scenario,
 * then a markdown table for the README.
 *
 * Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 20),
 * BENCH_COMMENTERS (default 20), BENCH_CHILD_LOG_LEVEL (API and worker log level, default
 * silent; their logs are then printed with an [api] / [worker] prefix).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import mongoose, { Connection } from 'mongoose';
import { EmbeddedMongo, startEmbeddedMongo } from '../src/dev/embedded-mongo';
import { EmbeddedRedis } from '../src/dev/embedded-redis';
import { freePort } from '../src/dev/free-port';

const SECONDS = positiveInt(process.env.BENCH_SECONDS, 10);
const CONNECTIONS = positiveInt(process.env.BENCH_CONNECTIONS, 20);
const COMMENTERS = positiveInt(process.env.BENCH_COMMENTERS, 20);
const SEED_COMMENTS = 50;
const HOST = '127.0.0.1';
/** The whole run is abandoned (children killed, exit 1) after this long. */
const HARD_LIMIT_MS = 2 * SECONDS * 1000 + 120_000;

const ROOT = path.resolve(__dirname, '../..'); // dist/bench → repository root
const API_ENTRY = path.join(ROOT, 'dist/src/server.js');
const WORKER_ENTRY = path.join(ROOT, 'dist/workers/worker.js');

interface ScenarioResult {
  name: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  total: number;
  peakRssMb: number;
}

/** Everything started here: the node children are stopped first, then the servers (newest first). */
const childStops: Array<() => Promise<void>> = [];
const serverStops: Array<() => Promise<void>> = [];

async function main(): Promise<void> {
  const started = Date.now();
  const hardLimit = setTimeout(() => {
    console.error(`bench: exceeded ${HARD_LIMIT_MS} ms; giving up`);
    void cleanup().finally(() => process.exit(1));
  }, HARD_LIMIT_MS);
  hardLimit.unref();

  for (const entry of [API_ENTRY, WORKER_ENTRY]) {
    if (!fs.existsSync(entry)) throw new Error(`${entry} not found; run npm run build first`);
  }

  // --- backing services -------------------------------------------------------------
  let mongo: EmbeddedMongo | undefined;
  if (!process.env.MONGODB_URI) {
    console.log('starting embedded MongoDB-compatible server…');
    mongo = await startEmbeddedMongo();
    const m = mongo;
    serverStops.push(() => m.stop());
  }
  let redis: EmbeddedRedis | undefined;
  if (!process.env.REDIS_URL) {
    redis = await EmbeddedRedis.start();
    const r = redis;
    serverStops.push(() => r.stop());
  }
  const mongoUri = process.env.MONGODB_URI ?? mongo!.uri;
  const redisUrl = process.env.REDIS_URL ?? redis!.url;
  // The bench's own connection: database kind, and checking what the worker decided.
  const db = mongoose.createConnection(mongoUri, { serverSelectionTimeoutMS: 5000 });
  serverStops.push(() => db.close());
  await db.asPromise();
  const database = await describeDatabase(db, mongo ? 'embedded' : 'external');
  const comments = db.collection('comments');
  console.log(`database: ${database}; redis: ${redis ? 'embedded' : 'external'}`);

  // --- API and worker processes ------------------------------------------------------
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const adminKey = randomBytes(24).toString('hex');
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    PUBLIC_URL: base,
    MONGODB_URI: mongoUri,
    REDIS_URL: redisUrl,
    ADMIN_API_KEY: adminKey,
    IP_HASH_SECRET: randomBytes(24).toString('hex'),
    LOG_LEVEL: process.env.BENCH_CHILD_LOG_LEVEL ?? 'silent',
    QUEUE_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
  };
  const api = startChild('api', API_ENTRY, childEnv);
  const worker = startChild('worker', WORKER_ENTRY, childEnv);
  await waitReady(base, api.child, 30_000);
  console.log(`API pid ${api.child.pid} listening on ${base}; worker pid ${worker.child.pid}`);

  // --- site, commenters, seeded thread -------------------------------------------------
  const siteId = `bench-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(32).toString('hex');
  const put = await fetch(`${base}/api/v1/admin/sites/${siteId}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name: 'Benchmark',
      origins: [],
      auth: { hs256Secret: secret },
      rateLimits: { commentsPerCommenterPerMinute: 10_000, commentsPerIpPerMinute: 100_000 },
    }),
  });
  if (put.status !== 201) throw new Error(`site not created: ${put.status} ${await put.text()}`);

  const key = new TextEncoder().encode(secret);
  const tokens = await Promise.all(Array.from({ length: COMMENTERS }, (_, i) =>
    new SignJWT({ sub: `bench-user-${i}`, name: `Bench User ${i}` })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(siteId)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key)));

  const readThread = 'bench-read';
  const commentsPath = `/api/v1/sites/${siteId}/comments`;
  const listPath = `${commentsPath}?thread=${encodeURIComponent(readThread)}&limit=${SEED_COMMENTS}`;
  const seedStart = Date.now();
  await seedThread(base + commentsPath, readThread, tokens);
  const published = await waitPublished(base + listPath, SEED_COMMENTS, 10_000);
  if (published < SEED_COMMENTS) {
    // Seen on FerretDB: the API's `needsEnqueue: false` update and the worker's publish
    // update race, and one of them is lost. The comment then stays pending for good.
    const stuck = await comments.countDocuments({ siteId, threadKey: readThread, status: 'pending', needsEnqueue: false });
    console.log(`WARNING: only ${published} of ${SEED_COMMENTS} seed comments were published by the worker; ${stuck} stay pending ` +
      'with needsEnqueue=false (moderation decision lost). Publishing them directly in the database for the read scenario.');
    await comments.updateMany({ siteId, threadKey: readThread, status: 'pending' }, { $set: { status: 'published', updatedAt: new Date() } });
    const now = await waitPublished(base + listPath, SEED_COMMENTS, 5_000);
    if (now < SEED_COMMENTS) throw new Error(`only ${now} of ${SEED_COMMENTS} seed comments visible after repair`);
  }
  console.log(`seeded ${SEED_COMMENTS} published comments in ${Date.now() - seedStart} ms`);

  // --- scenarios -------------------------------------------------------------------------
  const results: ScenarioResult[] = [];
  results.push(await scenario(`GET comments (limit ${SEED_COMMENTS})`, api.child, {
    url: base + listPath,
    connections: CONNECTIONS,
    duration: SECONDS,
  }));

  let sent = 0;
  results.push(await scenario('POST comment', api.child, {
    url: base + commentsPath,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [{
      method: 'POST',
      path: commentsPath,
      headers: { 'Content-Type': 'application/json' },
      setupRequest: (request) => {
        const n = sent++;
        return {
          ...request,
          headers: { ...request.headers, Authorization: `Bearer ${tokens[n % tokens.length]}` },
          body: JSON.stringify({ thread: 'bench-write', body: `Benchmark comment number ${n}.` }),
        };
      },
    }],
  }));

  // What the worker made of the POST scenario's comments, once the queue has drained.
  const backlog = await moderationBacklog(base);
  if (backlog) console.log(`moderation queue right after the POST scenario: ${formatCounts(backlog)}`);
  const drained = await waitQueueDrained(base, 15_000);
  const decided = await statusCounts(comments, siteId, 'bench-write');
  console.log(`POST scenario comments${drained ? ' after the moderation queue drained' : ' (moderation queue NOT drained within 15 s)'}: ${formatCounts(decided)}`);
  const lost = await comments.countDocuments({ siteId, threadKey: 'bench-write', status: 'pending', needsEnqueue: false });
  if (drained && lost > 0) {
    console.log(`WARNING: ${lost} POST scenario comments stay pending with needsEnqueue=false although their jobs ran (moderation decision lost).`);
  }

  // --- report ------------------------------------------------------------------------------
  const cpus = os.cpus();
  console.log('');
  console.log(`Results (${SECONDS} s per scenario, ${CONNECTIONS} connections, ${COMMENTERS} commenters):`);
  console.log('');
  console.log('| scenario | req/s | p50 ms | p99 ms | non-2xx | API peak RSS MB |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.name} | ${r.reqPerSec.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.peakRssMb.toFixed(1)} |`);
  }
  console.log('');
  console.log(`Database: ${database}. Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, ${os.platform()} ${os.arch()}; API, worker, database, Redis and autocannon on the same machine.`);
  console.log('');

  await cleanup();
  console.log(`bench finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Runs one autocannon scenario while tracking the API process's peak RSS. */
async function scenario(name: string, api: ChildProcess, options: autocannon.Options): Promise<ScenarioResult> {
  console.log(`\n== ${name}: ${options.duration} s, ${options.connections} connections`);
  const rss = new PeakRss(api.pid!);
  const result = await autocannon({ ...options, renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  const peakRssMb = rss.stop() / 1024;
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]));
  const out: ScenarioResult = {
    name,
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    total: result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'],
    peakRssMb,
  };
  console.log(`   requests/s (mean): ${out.reqPerSec.toFixed(1)}   responses: ${out.total}`);
  console.log(`   latency p50: ${out.p50} ms   p99: ${out.p99} ms   max: ${result.latency.max} ms`);
  console.log(`   non-2xx: ${out.non2xx}   status codes: ${JSON.stringify(statusCodes)}   errors: ${out.errors}   timeouts: ${out.timeouts}`);
  console.log(`   API peak RSS: ${peakRssMb.toFixed(1)} MB${rss.exact ? ' (VmHWM, reset before the scenario)' : ' (VmRSS sampled every 100 ms)'}`);
  if (api.exitCode !== null || api.signalCode !== null) throw new Error(`API process died during "${name}"`);
  return out;
}

/**
 * Peak resident memory of a process over an interval. Resets the kernel's high-water mark
 * (echo 5 > /proc/pid/clear_refs) at the start when allowed, so VmHWM at the end is this
 * interval's exact peak; always also samples VmRSS every 100 ms as a fallback.
 */
class PeakRss {
  readonly exact: boolean;
  private maxKb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.exact = resetHighWaterMark(pid);
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
  }

  /** Stops sampling; returns the peak in kB. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    const hwm = readStatusKb(this.pid, 'VmHWM');
    return this.exact && hwm !== undefined ? Math.max(hwm, this.maxKb) : this.maxKb;
  }

  private sample(): void {
    const kb = readStatusKb(this.pid, 'VmRSS');
    if (kb !== undefined && kb > this.maxKb) this.maxKb = kb;
  }
}

function resetHighWaterMark(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function readStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Posts the seed comments through the API, a few at a time. */
async function seedThread(url: string, thread: string, tokens: string[]): Promise<void> {
  let next = 0;
  const post = async (): Promise<void> => {
    while (next < SEED_COMMENTS) {
      const n = next++;
      const res = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokens[n % tokens.length]}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ thread, body: `Seed comment ${n + 1}: a short, ordinary remark about the article.`, threadTitle: 'Benchmark thread' }),
      });
      if (res.status !== 201) throw new Error(`seed comment ${n} refused: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 5 }, post));
}

/** Waits until an anonymous reader sees `count` published comments; returns how many it saw. */
async function waitPublished(url: string, count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    const res = await fetch(url);
    if (res.ok) {
      const body = (await res.json()) as { comments: Array<{ status: string }> };
      seen = body.comments.filter((c) => c.status === 'published').length;
      if (seen >= count) return seen;
    }
    await sleep(200);
  }
  return seen;
}

/** The moderation queue's job counts from the API's /metrics. */
async function moderationBacklog(base: string): Promise<Record<string, number> | undefined> {
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(/^queue_jobs\{([^}]*)\} (\d+)/gm)) {
      const state = /state="(\w+)"/.exec(m[1] ?? '')?.[1];
      if (state) counts[state] = Number(m[2]);
    }
    return Object.keys(counts).length ? counts : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until the moderation queue has no waiting, active or delayed jobs. */
async function waitQueueDrained(base: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const c = await moderationBacklog(base);
    if (c && (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0) return true;
    await sleep(250);
  }
  return false;
}

async function statusCounts(comments: mongoose.mongo.Collection, siteId: string, threadKey: string): Promise<Record<string, number>> {
  const rows = await comments.aggregate<{ _id: string; n: number }>([
    { $match: { siteId, threadKey } },
    { $group: { _id: '$status', n: { $sum: 1 } } },
  ]).toArray();
  return Object.fromEntries(rows.map((r) => [r._id, r.n]));
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
}

/** "ferretdb 1.24.2 (embedded)" or "mongodb 7.0.14 (external)", from buildInfo. */
async function describeDatabase(connection: Connection, where: string): Promise<string> {
  try {
    const info = await connection.db!.admin().command({ buildInfo: 1 });
    const ferret = info.ferretdbVersion as string | undefined;
    return ferret ? `ferretdb ${ferret.replace(/^v/, '')} (${where})` : `mongodb ${String(info.version)} (${where})`;
  } catch {
    return `unknown (${where})`;
  }
}

interface Child {
  child: ChildProcess;
}

/** Starts a node child; its output (logs, when a level is set) is passed through with a prefix. */
function startChild(role: string, entry: string, env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) console.error(`[${role}] ${line}`);
    });
  }
  let expected = false;
  child.once('exit', (code, signal) => {
    if (!expected) console.error(`[${role}] exited unexpectedly (code ${code}, signal ${signal})`);
  });
  childStops.push(async () => {
    expected = true;
    await stopChild(child, 10_000);
  });
  return { child };
}

/** SIGTERM (the processes close gracefully), then SIGKILL after graceMs. */
async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      console.error(`pid ${child.pid} did not stop within ${graceMs} ms; killing it`);
      child.kill('SIGKILL');
    }, graceMs);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

async function waitReady(base: string, api: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (api.exitCode !== null) throw new Error(`API process exited with code ${api.exitCode} before it was ready`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`API not ready within ${timeoutMs} ms`);
}

let cleaning: Promise<void> | undefined;
/** Stops everything started: API and worker together, then Redis and the database. */
function cleanup(): Promise<void> {
  const report = (err: Error) => console.error(`cleanup: ${err.message}`);
  cleaning ??= (async () => {
    await Promise.all(childStops.splice(0).map((stop) => stop().catch(report)));
    for (const stop of serverStops.splice(0).reverse()) await stop().catch(report);
  })();
  return cleaning;
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw && Number.isInteger(n) && n > 0 ? n : fallback;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}; stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench failed: ${err.stack ?? err.message}`);
    void cleanup().finally(() => process.exit(1));
  },
);
