/**
 * Moderation benchmark (npm run bench:moderation): how fast one worker process decides
 * comments, and how long a comment waits between being posted and being decided.
 *
 * The API runs as its own process (dist/src/server.js) and the worker as another
 * (dist/workers/worker.js); everything talks over loopback. The bench site has banned
 * and suspect words, personal-data holding and a link limit, so the automated rules run
 * in full; most comments are clean, a few of each kind trip a rule.
 *
 *   1. Throughput: with no worker running, BENCH_JOBS comments are posted through the API
 *      (their jobs wait in Redis); then one worker process starts and the bench times how
 *      long until every one of them has `decidedAt` set in MongoDB.
 *   2. Latency: with the worker running, comments are posted at a steady BENCH_RATE per
 *      second for BENCH_SECONDS; afterwards decidedAt − createdAt of each is read back.
 *
 * Uses MONGODB_URI / REDIS_URL when set, otherwise starts embedded servers. Prints a
 * markdown table for the README, the machine, and the worker's peak RSS.
 *
 * Environment: BENCH_JOBS (default 2000), BENCH_CONCURRENCY (worker concurrency, default
 * 4), BENCH_RATE (default 20), BENCH_SECONDS (default 20), BENCH_CONNECTIONS (parallel
 * posts while filling the queue, default 16), BENCH_CHILD_LOG_LEVEL (API and worker log
 * level, default warn; their output is printed with an [api] / [worker] prefix).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SignJWT } from 'jose';
import mongoose from 'mongoose';
import { EmbeddedMongo, startEmbeddedMongo } from '../src/dev/embedded-mongo';
import { EmbeddedRedis } from '../src/dev/embedded-redis';
import { freePort } from '../src/dev/free-port';
import {
  childCpuTicks, cpuShares, describeDatabase, formatCounts, moderationQueueCounts, NodeChild, percentile,
  positiveInt, readStatusKb, removeMongoData, removeRedisKeys, sleep, waitReady,
} from './bench-support';

const JOBS = positiveInt(process.env.BENCH_JOBS, 2000);
const CONCURRENCY = Math.min(64, positiveInt(process.env.BENCH_CONCURRENCY, 4));
const RATE = positiveInt(process.env.BENCH_RATE, 20);
const SECONDS = positiveInt(process.env.BENCH_SECONDS, 20);
const POSTERS = positiveInt(process.env.BENCH_CONNECTIONS, 16);
const CHILD_LOG_LEVEL = process.env.BENCH_CHILD_LOG_LEVEL ?? 'warn';
const HOST = '127.0.0.1';
/** Comments per commenter: the burst rule holds a fifth comment within two minutes. */
const PER_COMMENTER = 3;
const THREADS = 20;
/** Waiting for decisions gives up when nothing was decided for this long. */
const NO_PROGRESS_MS = 20_000;
/** The whole run is abandoned (children killed, exit 1) after this long. */
const HARD_LIMIT_MS = 120_000 + JOBS * 60 + 2 * SECONDS * 1000;

const ROOT = path.resolve(__dirname, '../..'); // dist/bench → repository root
const API_ENTRY = path.join(ROOT, 'dist/src/server.js');
const WORKER_ENTRY = path.join(ROOT, 'dist/workers/worker.js');

// --- comment texts ----------------------------------------------------------------------

type Outcome = 'published' | 'held' | 'rejected';

const BANNED = ['skitprat', 'fanskap', 'jävlaskit', 'idiotunge', 'rövhatt', 'pucko', 'drullsnack', 'spamvara'];
const SUSPECT = ['kasino', 'bitcoin', 'gratispengar', 'viagra', 'snabblån', 'krypto', 'garanterad', 'rabattkod'];
const OPENERS = [
  'Bra skrivet, tack för artikeln.',
  'Jag håller inte riktigt med om slutsatsen.',
  'Intressant läsning en regnig måndag.',
  'Det här påminner mig om hur det var förr i byn.',
  'Kommunen borde ha tänkt på det här tidigare.',
  'Thanks for a thoughtful piece.',
  'Kan någon förklara varför bussen slutade gå?',
  'Min farmor brukade säga samma sak.',
  'Fler sådana reportage, tack!',
  'Jag undrar vad grannkommunerna gör.',
  'Rätt tänkt, men det kostar pengar.',
  'Snyggt foto i artikeln också.',
];
const REMARKS = [
  'Hoppas att politikerna läser detta.',
  'Vi får se hur det går till våren.',
  'Skolan i vår by har samma problem.',
  'Det vore bra med ett uppföljande reportage.',
  'Tycker att fler borde engagera sig.',
  'Cykelbanan behövs verkligen.',
  'I just hope someone listens.',
  'Bibliotekets öppettider är också ett problem.',
  'Tack till reportern som tog sig tid.',
];

/**
 * Text of comment n and the decision the site's rules should reach. Per hundred: 2 with
 * a banned word (rejected), 4 with a suspect word, 2 with an e-mail address and 1 with
 * two links (held); the rest clean (published). Every text is different (duplicate rule).
 */
function commentText(n: number): { body: string; expected: Outcome } {
  const base = `${OPENERS[n % OPENERS.length]} ${REMARKS[Math.floor(n / OPENERS.length) % REMARKS.length]} (kommentar ${n})`;
  const slot = n % 100;
  if (slot < 2) return { body: `${base} Vilket ${BANNED[n % BANNED.length]} det här är.`, expected: 'rejected' };
  if (slot < 6) return { body: `${base} Testa ${SUSPECT[n % SUSPECT.length]} i stället!`, expected: 'held' };
  if (slot < 8) return { body: `${base} Maila mig på anna.${n}@example.se om du vill prata.`, expected: 'held' };
  if (slot < 9) return { body: `${base} Läs mer på https://example.se/a${n} och www.example.org/b${n}`, expected: 'held' };
  return { body: base, expected: 'published' };
}

// --- run ------------------------------------------------------------------------------------

/** Everything started here: the node children are stopped first, then the servers (newest first). */
const children: NodeChild[] = [];
const serverStops: Array<() => Promise<void>> = [];

interface Posted {
  n: number;
  expected: Outcome;
}

interface PhaseResult {
  posted: number;
  published: number;
  held: number;
  rejected: number;
  undecided: number;
}

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

  // --- backing services -------------------------------------------------------------------
  let mongo: EmbeddedMongo | undefined;
  if (!process.env.MONGODB_URI) {
    console.log('starting embedded MongoDB-compatible server…');
    const t0 = Date.now();
    mongo = await startEmbeddedMongo();
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
  const db = mongoose.createConnection(mongoUri, { serverSelectionTimeoutMS: 5000 });
  serverStops.push(() => db.close());
  await db.asPromise();
  const database = await describeDatabase(db, mongo ? 'embedded' : 'external');
  const comments = db.collection('comments');
  const moderationLog = db.collection('moderation_log');
  console.log(`database: ${database}; redis: ${redis ? 'embedded' : 'external'}`);

  // --- API process, site, commenters ----------------------------------------------------------
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const adminKey = randomBytes(24).toString('hex');
  const queuePrefix = `benchmod-${randomBytes(4).toString('hex')}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    PUBLIC_URL: base,
    MONGODB_URI: mongoUri,
    REDIS_URL: redisUrl,
    ADMIN_API_KEY: adminKey,
    IP_HASH_SECRET: randomBytes(24).toString('hex'),
    LOG_LEVEL: CHILD_LOG_LEVEL,
    QUEUE_PREFIX: queuePrefix,
    WORKER_CONCURRENCY: String(CONCURRENCY),
  };
  delete childEnv.WORKER_METRICS_PORT; // the worker's metrics server would listen on every interface
  delete childEnv.SITES_SEED_FILE;
  const api = new NodeChild('api', API_ENTRY, childEnv, ROOT);
  children.push(api);
  await waitReady(base, api, 30_000);
  console.log(`API pid ${api.pid} listening on ${base} (no worker yet)`);

  const siteId = `benchmod-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(32).toString('hex');
  const put = await fetch(`${base}/api/v1/admin/sites/${siteId}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name: 'Moderation benchmark',
      origins: [],
      auth: { hs256Secret: secret },
      moderation: { mode: 'post', bannedWords: BANNED, suspectWords: SUSPECT, holdPersonalData: true, maxLinks: 1 },
      rateLimits: { commentsPerCommenterPerMinute: 10_000, commentsPerIpPerMinute: 100_000 },
    }),
  });
  if (put.status !== 201) throw new Error(`site not created: ${put.status} ${await put.text()}`);

  const total = JOBS + RATE * SECONDS;
  const key = new TextEncoder().encode(secret);
  const tokens = await Promise.all(Array.from({ length: Math.ceil(total / PER_COMMENTER) }, (_, i) =>
    new SignJWT({ sub: `bench-user-${i}`, name: `Bench User ${i}` })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(siteId)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key)));
  const commentsUrl = `${base}/api/v1/sites/${siteId}/comments`;

  /** Posts comment n; resolves with its id, or undefined (the failure is counted). */
  const refused = new Map<string, number>();
  const post = async (n: number, thread: string): Promise<string | undefined> => {
    try {
      const res = await fetch(commentsUrl, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokens[Math.floor(n / PER_COMMENTER)]}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ thread, body: commentText(n).body, threadTitle: `Benchmark thread ${thread}` }),
      });
      const text = await res.text();
      if (res.status === 201) return (JSON.parse(text) as { comment: { id: string } }).comment.id;
      const k = `${res.status} ${text.slice(0, 120)}`;
      refused.set(k, (refused.get(k) ?? 0) + 1);
    } catch (err) {
      const k = `error ${(err as Error).message}`;
      refused.set(k, (refused.get(k) ?? 0) + 1);
    }
    return undefined;
  };

  // --- 1. throughput: fill the queue, then start one worker ------------------------------------
  console.log(`\n== throughput: posting ${JOBS} comments with no worker running (${POSTERS} in parallel)`);
  const tpThreads = Array.from({ length: THREADS }, (_, i) => `mod-tp-${i}`);
  const tpPosted = new Map<string, Posted>();
  let next = 0;
  const fillStart = performance.now();
  await Promise.all(Array.from({ length: POSTERS }, async () => {
    while (next < JOBS && !stopping) {
      const n = next++;
      const id = await post(n, tpThreads[n % THREADS]!);
      if (id) tpPosted.set(id, { n, expected: commentText(n).expected });
    }
  }));
  if (stopping) throw new Error('stopped');
  const fillMs = performance.now() - fillStart;
  console.log(`   posted ${tpPosted.size} comments in ${(fillMs / 1000).toFixed(1)} s (${(tpPosted.size / (fillMs / 1000)).toFixed(0)} posts/s)`);
  reportRefused(refused);
  if (tpPosted.size === 0) throw new Error('no comment was accepted');
  const tpFilter = { siteId, threadKey: { $in: tpThreads } };
  const queued = await moderationQueueCounts(base);
  const notEnqueued = await comments.countDocuments({ ...tpFilter, needsEnqueue: true });
  console.log(`   moderation queue before the worker starts: ${queued ? formatCounts(queued) : 'unknown'}; comments still flagged needsEnqueue: ${notEnqueued}`);

  const cpuBefore = childCpuTicks();
  const selfBefore = process.cpuUsage();
  const spawnedAt = Date.now();
  const worker = new NodeChild('worker', WORKER_ENTRY, childEnv, ROOT);
  children.push(worker);
  console.log(`   worker pid ${worker.pid} started (WORKER_CONCURRENCY=${CONCURRENCY}); waiting for ${tpPosted.size} decisions…`);
  const tpWait = await waitDecided(() => comments.countDocuments({ ...tpFilter, decidedAt: { $ne: null } }), tpPosted.size, 1000, worker);
  const tpCpu = cpuShares(cpuBefore, childCpuTicks(), cpuMicros(process.cpuUsage(selfBefore)), Date.now() - spawnedAt,
    new Map([[api.pid, 'api'], [worker.pid, 'worker']]));
  const tpDocs = await comments.find(tpFilter, { projection: { status: 1, held: 1, decidedAt: 1, createdAt: 1, needsEnqueue: 1 } }).toArray();
  const decidedTimes = tpDocs.map((d) => (d.decidedAt as Date | null)?.getTime()).filter((t): t is number => t !== undefined);
  const firstDecided = decidedTimes.length ? Math.min(...decidedTimes) : NaN;
  const lastDecided = decidedTimes.length ? Math.max(...decidedTimes) : NaN;
  const steadyRate = decidedTimes.length > 1 ? (decidedTimes.length - 1) / ((lastDecided - firstDecided) / 1000) : NaN;
  const wallRate = decidedTimes.length / ((lastDecided - spawnedAt) / 1000);
  const tp = outcomes(tpDocs, tpPosted);
  console.log(`   ${decidedTimes.length} of ${tpPosted.size} decided${tpWait.complete ? '' : ` (gave up: ${tpWait.reason})`}`);
  console.log(`   first decision ${((firstDecided - spawnedAt) / 1000).toFixed(2)} s after spawning the worker (process start, connect, indexes); ` +
    `last after ${((lastDecided - spawnedAt) / 1000).toFixed(2)} s`);
  console.log(`   throughput: ${steadyRate.toFixed(1)} jobs/s from first to last decision; ${wallRate.toFixed(1)} jobs/s counting from the spawn`);
  console.log(`   outcomes: published ${tp.result.published}, held ${tp.result.held}, rejected ${tp.result.rejected}, undecided ${tp.result.undecided}`);
  reportMismatches(tp.mismatches);
  if (tpCpu) console.log(`   CPU while draining (100% = one core, ${os.cpus().length} cores): ${tpCpu}`);
  console.log(`   worker RSS after draining: ${kbToMb(readStatusKb(worker.pid, 'VmRSS'))} MB, peak so far ${kbToMb(readStatusKb(worker.pid, 'VmHWM'))} MB`);
  await diagnoseUndecided(tpDocs, moderationLog, base);

  // --- 2. latency under a steady load ----------------------------------------------------------
  const count = RATE * SECONDS;
  console.log(`\n== latency: posting ${RATE} comments/s for ${SECONDS} s (${count} comments) with the worker running`);
  const latThreads = Array.from({ length: THREADS }, (_, i) => `mod-lat-${i}`);
  const latPosted = new Map<string, Posted>();
  const postMs: number[] = [];
  refused.clear();
  const inFlight: Array<Promise<void>> = [];
  const cpuBefore2 = childCpuTicks();
  const selfBefore2 = process.cpuUsage();
  const runStart = performance.now();
  let maxLagMs = 0;
  for (let i = 0; i < count && !stopping; i++) {
    const due = runStart + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    maxLagMs = Math.max(maxLagMs, performance.now() - due);
    const n = JOBS + i;
    inFlight.push((async () => {
      const t0 = performance.now();
      const id = await post(n, latThreads[i % THREADS]!);
      postMs.push(performance.now() - t0);
      if (id) latPosted.set(id, { n, expected: commentText(n).expected });
    })());
  }
  await Promise.all(inFlight);
  if (stopping) throw new Error('stopped');
  const sendMs = performance.now() - runStart;
  postMs.sort((a, b) => a - b);
  console.log(`   posted ${latPosted.size} comments in ${(sendMs / 1000).toFixed(1)} s (schedule lag max ${maxLagMs.toFixed(0)} ms); ` +
    `POST response p50 ${percentile(postMs, 50).toFixed(0)} ms, p99 ${percentile(postMs, 99).toFixed(0)} ms`);
  reportRefused(refused);
  const latFilter = { siteId, threadKey: { $in: latThreads } };
  const latWait = await waitDecided(() => comments.countDocuments({ ...latFilter, decidedAt: { $ne: null } }), latPosted.size, 500, worker);
  const latCpu = cpuShares(cpuBefore2, childCpuTicks(), cpuMicros(process.cpuUsage(selfBefore2)), sendMs,
    new Map([[api.pid, 'api'], [worker.pid, 'worker']]));
  const latDocs = await comments.find(latFilter, { projection: { status: 1, held: 1, decidedAt: 1, createdAt: 1, needsEnqueue: 1 } }).toArray();
  const latencies = latDocs
    .filter((d) => d.decidedAt)
    .map((d) => (d.decidedAt as Date).getTime() - (d.createdAt as Date).getTime())
    .sort((a, b) => a - b);
  const lat = outcomes(latDocs, latPosted);
  const p = { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? NaN };
  console.log(`   ${latencies.length} of ${latPosted.size} decided${latWait.complete ? '' : ` (gave up: ${latWait.reason})`}`);
  console.log(`   post-to-decision (decidedAt − createdAt): p50 ${p.p50} ms, p95 ${p.p95} ms, p99 ${p.p99} ms, max ${p.max} ms, min ${latencies[0] ?? NaN} ms`);
  console.log(`   outcomes: published ${lat.result.published}, held ${lat.result.held}, rejected ${lat.result.rejected}, undecided ${lat.result.undecided}`);
  reportMismatches(lat.mismatches);
  if (latCpu) console.log(`   CPU during the steady load (100% = one core): ${latCpu}`);
  await diagnoseUndecided(latDocs, moderationLog, base);

  const flaggedAfterDecision = [...tpDocs, ...latDocs].filter((d) => d.decidedAt && d.needsEnqueue).length;
  if (flaggedAfterDecision) {
    console.log(`WARNING: ${flaggedAfterDecision} decided comments still have needsEnqueue=true (the API's outbox update was lost or ran late); the sweeper will re-add their jobs, which then find nothing to do.`);
  }
  const workerPeakKb = readStatusKb(worker.pid, 'VmHWM');
  const finalQueue = await moderationQueueCounts(base);
  if (finalQueue) console.log(`moderation queue at the end: ${formatCounts(finalQueue)}`);
  const failedLogs = [...worker.messages].filter(([msg]) => /fail/i.test(msg));
  if (failedLogs.length) console.log(`worker log lines about failures: ${failedLogs.map(([m, c]) => `"${m}" ×${c}`).join(', ')}`);
  for (const child of [api, worker]) {
    if (child.messages.size) console.log(`${child.role} log lines by message: ${[...child.messages].map(([m, c]) => `"${m}" ×${c}`).join(', ')}`);
  }

  // --- report ------------------------------------------------------------------------------------
  const cpus = os.cpus();
  const fmt = (r: PhaseResult) => `${r.published} / ${r.held} / ${r.rejected}${r.undecided ? ` (+${r.undecided} undecided)` : ''}`;
  console.log('');
  console.log(`Results (${tpPosted.size} queued jobs; then ${RATE}/s for ${SECONDS} s):`);
  console.log('');
  console.log('| scenario | jobs/s | p50 ms | p95 ms | p99 ms | max ms | published / held / rejected |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  console.log(`| moderation throughput (1 worker, concurrency ${CONCURRENCY}) | ${steadyRate.toFixed(0)} | – | – | – | – | ${fmt(tp.result)} |`);
  console.log(`| post-to-decision latency at ${RATE}/s | – | ${p.p50} | ${p.p95} | ${p.p99} | ${p.max} | ${fmt(lat.result)} |`);
  console.log('');
  const local = ['API', 'worker', ...(mongo ? ['database'] : []), ...(redis ? ['Redis'] : []), 'bench client'];
  console.log(`Database: ${database}. Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, ${os.platform()} ${os.arch()}; ${local.join(', ')} on this machine.`);
  console.log(`Worker peak RSS (VmHWM): ${kbToMb(workerPeakKb)} MB.`);
  console.log('');

  await cleanup();
  if (!mongo) await removeMongoData(mongoUri, siteId);
  if (!redis) await removeRedisKeys(redisUrl, queuePrefix);
  console.log(`bench finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Polls until `target` comments are decided, the worker dies, or nothing was decided
 * for NO_PROGRESS_MS.
 */
async function waitDecided(
  decided: () => Promise<number>, target: number, everyMs: number, worker: NodeChild,
): Promise<{ complete: boolean; reason?: string }> {
  let last = -1;
  let lastProgress = Date.now();
  for (;;) {
    if (stopping) throw new Error('stopped');
    const now = await decided();
    if (now >= target) return { complete: true };
    if (now !== last) {
      last = now;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress > NO_PROGRESS_MS) {
      return { complete: false, reason: `no decision for ${NO_PROGRESS_MS / 1000} s, ${now} of ${target} decided` };
    }
    if (!worker.alive) return { complete: false, reason: 'the worker process exited' };
    await sleep(everyMs);
  }
}

type CommentRow = mongoose.mongo.WithId<mongoose.mongo.Document>;

/** Outcome counts, and decisions that differ from what the text should get. */
function outcomes(docs: CommentRow[], posted: Map<string, Posted>): { result: PhaseResult; mismatches: Map<string, number> } {
  const result: PhaseResult = { posted: posted.size, published: 0, held: 0, rejected: 0, undecided: 0 };
  const mismatches = new Map<string, number>();
  for (const d of docs) {
    let actual: string;
    if (!d.decidedAt) actual = 'undecided';
    else if (d.status === 'published') actual = 'published';
    else if (d.status === 'rejected') actual = 'rejected';
    else if (d.status === 'pending' && d.held) actual = 'held';
    else actual = `${String(d.status)}${d.held ? '+held' : ''}`;
    if (actual === 'published' || actual === 'held' || actual === 'rejected' || actual === 'undecided') result[actual]++;
    const expected = posted.get(String(d._id))?.expected;
    if (actual !== 'undecided' && expected !== actual) {
      const k = `${expected ?? 'not posted by the bench'} → ${actual}`;
      mismatches.set(k, (mismatches.get(k) ?? 0) + 1);
    }
  }
  return { result, mismatches };
}

function reportMismatches(mismatches: Map<string, number>): void {
  if (mismatches.size === 0) {
    console.log('   every decided comment got the outcome its text should get');
    return;
  }
  console.log(`   WARNING: unexpected outcomes (expected → actual): ${[...mismatches].map(([k, v]) => `${k} ×${v}`).join(', ')}`);
}

function reportRefused(refused: Map<string, number>): void {
  if (refused.size) console.log(`   WARNING: posts not accepted: ${[...refused].map(([k, v]) => `${k} ×${v}`).join('; ')}`);
}

/**
 * For comments without a decision: is the job still queued, did it run and claim the
 * decision in the moderation log without the comment being updated (a lost update),
 * or did it never run?
 */
async function diagnoseUndecided(docs: CommentRow[], moderationLog: mongoose.mongo.Collection, base: string): Promise<void> {
  const undecided = docs.filter((d) => !d.decidedAt);
  if (undecided.length === 0) return;
  const claims = await moderationLog.find(
    { claimKey: { $in: undecided.map((d) => `c:${String(d._id)}:v1`) } },
    { projection: { claimKey: 1, action: 1 } },
  ).toArray();
  const claimed = new Set(claims.map((c) => String(c.claimKey)));
  const byKind = new Map<string, number>();
  for (const d of undecided) {
    const kind = claimed.has(`c:${String(d._id)}:v1`)
      ? 'decision logged but the comment was not updated'
      : d.needsEnqueue ? 'not on the queue yet (needsEnqueue=true; the sweeper retries)' : 'no decision logged';
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  const queue = await moderationQueueCounts(base);
  console.log(`   WARNING: ${undecided.length} comments undecided: ${[...byKind].map(([k, v]) => `${k} ×${v}`).join(', ')}; ` +
    `queue: ${queue ? formatCounts(queue) : 'unknown'}`);
}

function cpuMicros(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}

function kbToMb(kb: number | undefined): string {
  return kb === undefined ? 'unknown' : (kb / 1024).toFixed(1);
}

let stopping = false;
let cleaning: Promise<void> | undefined;
/** Stops everything started: API and worker together, then Redis and the database. */
function cleanup(): Promise<void> {
  const report = (err: Error) => console.error(`cleanup: ${err.message}`);
  stopping = true;
  cleaning ??= (async () => {
    await Promise.all(children.splice(0).map((c) => c.stop().catch(report)));
    for (const stop of serverStops.splice(0).reverse()) await stop().catch(report);
  })();
  return cleaning;
}

/** For servers that finished starting after an interrupt had already run cleanup(). */
async function cleanupLate(): Promise<never> {
  for (const stop of serverStops.splice(0).reverse()) await stop().catch(() => undefined);
  throw new Error('stopped');
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
