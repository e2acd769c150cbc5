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
 * BENCH_COMMENTERS (default 500), BENCH_CHILD_LOG_LEVEL (API and worker log level, default
 * silent; their logs are then printed with an [api] / [worker] prefix).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { SignJWT } from 'jose';
import mongoose, { Connection } from 'mongoose';
import { EmbeddedMongo, startEmbeddedMongo } from '../src/dev/embedded-mongo';
import { EmbeddedRedis } from '../src/dev/embedded-redis';
import { freePort } from '../src/dev/free-port';

const SECONDS = positiveInt(process.env.BENCH_SECONDS, 10);
const CONNECTIONS = positiveInt(process.env.BENCH_CONNECTIONS, 20);
// Many commenters, so that the worker's per-commenter burst rule (more than 4 comments in
// 2 minutes is held) does not turn the write scenario into a spam test.
const COMMENTERS = positiveInt(process.env.BENCH_COMMENTERS, 500);
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
    const t0 = Date.now();
    mongo = await startEmbeddedMongo(undefined, { backend: 'postgresql' });
    console.log(`embedded ${mongo.kind} started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const m = mongo;
    serverStops.push(() => m.stop());
    if (stopping) await cleanupLate();
  }
  let redis: EmbeddedRedis | undefined;
  if (!process.env.REDIS_URL) {
    redis = await EmbeddedRedis.start();
    const r = redis;
    serverStops.push(() => r.stop());
    if (stopping) await cleanupLate();
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
  const queuePrefix = `bench-${randomBytes(4).toString('hex')}`;
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
    QUEUE_PREFIX: queuePrefix,
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
  const published = await waitSeedDecided(base, listPath, SEED_COMMENTS, 20_000,
    () => comments.countDocuments({ siteId, threadKey: readThread, status: 'pending', needsEnqueue: true }));
  if (published < SEED_COMMENTS) {
    const outcome = await moderationOutcome(comments, siteId, readThread);
    console.log(`WARNING: only ${published} of ${SEED_COMMENTS} seed comments were published by the worker (${formatCounts(outcome)}). ` +
      'Publishing the rest directly in the database for the read scenario.');
    await comments.updateMany({ siteId, threadKey: readThread, status: 'pending' }, { $set: { status: 'published', held: false, updatedAt: new Date() } });
    const now = await waitPublished(base + listPath, SEED_COMMENTS, 5_000);
    if (now < SEED_COMMENTS) throw new Error(`only ${now} of ${SEED_COMMENTS} seed comments visible after repair`);
  }
  console.log(`seeded ${SEED_COMMENTS} published comments in ${Date.now() - seedStart} ms`);
  console.log(`API RSS before the scenarios: ${((readStatusKb(api.child.pid!, 'VmRSS') ?? 0) / 1024).toFixed(1)} MB`);

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
          body: JSON.stringify({ thread: 'bench-write', body: `Benchmark comment ${letters(n)}: a short remark about the article.` }),
        };
      },
    }],
  }));

  // What the worker made of the POST scenario's comments, once the queue has drained.
  const backlog = await moderationBacklog(base);
  if (backlog) console.log(`moderation queue right after the POST scenario: ${formatCounts(backlog)}`);
  const drained = await waitQueueDrained(base, 15_000);
  const decided = await moderationOutcome(comments, siteId, 'bench-write');
  const created = Object.values(decided).reduce((a, b) => a + b, 0);
  const answered = results[1]?.statusCodes['201'] ?? 0;
  console.log(`POST scenario created ${created} comments (${answered} answered 201 within the run; the rest were in flight when it ended)`);
  console.log(`moderation outcome${drained ? ' once the queue drained' : ' (queue NOT drained within 15 s)'}: ${formatCounts(decided)}`);
  const lost = decided['pending, undecided'] ?? 0;
  if (drained && lost > 0) {
    console.log(`WARNING: ${lost} POST scenario comments are pending, not held, with their job already taken (needsEnqueue=false): their moderation decision was lost.`);
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
  const local = ['API', 'worker', ...(mongo ? ['database'] : []), ...(redis ? ['Redis'] : []), 'autocannon'];
  console.log(`Database: ${database}. Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, ${os.platform()} ${os.arch()}; ${local.join(', ')} on this machine.`);
  console.log('');

  await cleanup();
  // Embedded servers took their data with them; external ones get theirs removed.
  if (!mongo) await removeMongoData(mongoUri, siteId);
  if (!redis) await removeRedisKeys(redisUrl, queuePrefix);
  console.log(`bench finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Runs one autocannon scenario while tracking the API process's peak RSS. */
async function scenario(name: string, api: ChildProcess, options: autocannon.Options): Promise<ScenarioResult> {
  if (stopping) throw new Error('stopped');
  console.log(`\n== ${name}: ${options.duration} s, ${options.connections} connections`);
  const rss = new PeakRss(api.pid!);
  const cpuBefore = childCpuTicks();
  const selfBefore = process.cpuUsage();
  const startedAt = Date.now();
  running = autocannon({ ...options, renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  const result = await running;
  running = undefined;
  if (stopping) throw new Error('stopped');
  const peakRssMb = rss.stop() / 1024;
  const selfUsage = process.cpuUsage(selfBefore);
  const cpu = cpuShares(cpuBefore, childCpuTicks(), (selfUsage.user + selfUsage.system) / 1000, Date.now() - startedAt, api.pid!);
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
  if (cpu) console.log(`   CPU of this run's processes (100% = one core): ${cpu}`);
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

/** CPU time (clock ticks) of this process's direct children: API, worker, and embedded servers. */
function childCpuTicks(): Map<number, { name: string; ticks: number }> {
  const out = new Map<number, { name: string; ticks: number }>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return out;
  }
  for (const entry of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' '); // fields[0] is field 3 (state)
      if (Number(fields[1]) !== process.pid) continue;
      out.set(Number(entry), { name, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** "api 97%, ferretdb 85%, …" over an interval (ticks at the usual 100 Hz). */
function cpuShares(
  before: Map<number, { name: string; ticks: number }>, after: Map<number, { name: string; ticks: number }>,
  selfMs: number, ms: number, apiPid: number,
): string {
  const parts: Array<[string, number]> = [];
  for (const [pid, { name, ticks }] of after) {
    const used = ticks - (before.get(pid)?.ticks ?? 0);
    const label = pid === apiPid ? 'api' : name === 'node' ? 'worker' : name;
    parts.push([label, (used * 10) / ms * 100]);
  }
  parts.push(['bench/autocannon', (selfMs / ms) * 100]);
  return parts.sort((a, b) => b[1] - a[1]).map(([n, pct]) => `${n} ${pct.toFixed(0)}%`).join(', ');
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
        body: JSON.stringify({ thread, body: `Seed comment ${letters(n)}: a short, ordinary remark about the article.`, threadTitle: 'Benchmark thread' }),
      });
      if (res.status !== 201) throw new Error(`seed comment ${n} refused: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 5 }, post));
}

/** Waits until an anonymous reader sees `count` published comments (one look when timeoutMs is 0); returns how many it saw. */
async function waitPublished(url: string, count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(url);
    const seen = res.ok
      ? ((await res.json()) as { comments: Array<{ status: string }> }).comments.filter((c) => c.status === 'published').length
      : 0;
    if (seen >= count || Date.now() >= deadline) return seen;
    await sleep(200);
  }
}

/**
 * Waits until the seed comments are published, or until nothing more can happen: the
 * moderation queue is empty and no pending comment still waits for the outbox sweeper.
 * Returns how many published comments a reader sees.
 */
async function waitSeedDecided(
  base: string, listPath: string, count: number, timeoutMs: number, awaitingSweep: () => Promise<number>,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  let settledPolls = 0;
  while (Date.now() < deadline) {
    seen = await waitPublished(base + listPath, count, 0);
    if (seen >= count) return seen;
    const queue = await moderationBacklog(base);
    const queueEmpty = !!queue && (queue.waiting ?? 0) + (queue.active ?? 0) + (queue.delayed ?? 0) === 0;
    settledPolls = queueEmpty && (await awaitingSweep()) === 0 ? settledPolls + 1 : 0;
    if (settledPolls >= 5) return seen; // a second with nothing left to decide
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

/**
 * What moderation made of a thread's comments: published, rejected, held (pending for a
 * person, with the rules that fired), "pending, undecided" (the job was taken but the
 * comment shows no decision) and "pending, awaiting enqueue" (outbox flag still set).
 */
async function moderationOutcome(comments: mongoose.mongo.Collection, siteId: string, threadKey: string): Promise<Record<string, number>> {
  const docs = await comments.find(
    { siteId, threadKey },
    { projection: { status: 1, held: 1, needsEnqueue: 1, rules: 1 } },
  ).toArray();
  const counts: Record<string, number> = {};
  const add = (k: string) => { counts[k] = (counts[k] ?? 0) + 1; };
  for (const d of docs) {
    if (d.status !== 'pending') add(String(d.status));
    else if (d.held) add(`held (${(d.rules as Array<{ rule: string }> | undefined)?.map((r) => r.rule).join('+') || 'pre-moderation'})`);
    else if (d.needsEnqueue) add('pending, awaiting enqueue');
    else add('pending, undecided');
  }
  return counts;
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

/** Deletes the bench site and everything stored under its id from an external database. */
async function removeMongoData(uri: string, siteId: string): Promise<void> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await connection.asPromise();
    for (const { name } of await connection.db!.listCollections({}, { nameOnly: true }).toArray()) {
      await connection.db!.collection(name).deleteMany({ siteId });
    }
    await connection.db!.collection('sites').deleteOne({ _id: siteId as unknown as mongoose.mongo.ObjectId });
    console.log(`removed the bench site ${siteId} and its data from the external database`);
  } catch (err) {
    console.error(`could not remove the bench data of site ${siteId}: ${(err as Error).message}`);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Deletes the bench run's queue and rate-limit keys from an external Redis. */
async function removeRedisKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) removed += await client.del(...keys);
    } while (cursor !== '0');
    console.log(`removed ${removed} keys under ${prefix}: from the external Redis`);
  } catch (err) {
    console.error(`could not remove the bench keys under ${prefix}: ${(err as Error).message}`);
  } finally {
    client.disconnect();
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

/** The autocannon run in progress, stopped first when the bench is interrupted. */
let running: autocannon.Instance | undefined;
let stopping = false;
let cleaning: Promise<void> | undefined;
/** Stops everything started: API and worker together, then Redis and the database. */
function cleanup(): Promise<void> {
  const report = (err: Error) => console.error(`cleanup: ${err.message}`);
  stopping = true;
  running?.stop();
  cleaning ??= (async () => {
    await Promise.all(childStops.splice(0).map((stop) => stop().catch(report)));
    for (const stop of serverStops.splice(0).reverse()) await stop().catch(report);
  })();
  return cleaning;
}

/** For servers that finished starting after an interrupt had already run cleanup(). */
async function cleanupLate(): Promise<never> {
  for (const stop of serverStops.splice(0).reverse()) await stop().catch(() => undefined);
  throw new Error('stopped');
}

/** 0 → "a", 25 → "z", 26 → "ba": distinct comment texts without digits (numbers may look like personal data). */
function letters(n: number): string {
  let out = '';
  do {
    out = String.fromCharCode(97 + (n % 26)) + out;
    n = Math.floor(n / 26);
  } while (n > 0);
  return out;
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
    if (stopping) return; // interrupted: the signal handler cleans up and exits
    console.error(`bench failed: ${err.stack ?? err.message}`);
    void cleanup().finally(() => process.exit(1));
  },
);
