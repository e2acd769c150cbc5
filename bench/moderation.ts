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
 *      (their jobs wait in Redis); then the queue is paused, one worker process starts,
 *      and once it is up the queue is resumed and the bench times how long until every one
 *      of them has `decidedAt` set in MongoDB.
 *   2. Latency: with the worker running, comments are posted at a steady BENCH_RATE per
 *      second for BENCH_SECONDS; afterwards decidedAt − createdAt of each is read back.
 *
 * In both phases the bench reads the worker's `database_commands_total` (its /metrics on
 * WORKER_METRICS_PORT, loopback only) before and after, and prints the database round
 * trips per decided comment, in total and by command. The pause in phase 1 keeps the
 * worker's start (connecting, building indexes) out of that count.
 *
 * Uses MONGODB_URI / REDIS_URL when set, otherwise starts embedded servers (FerretDB on a
 * private PostgreSQL cluster when Debian's postgresql is installed, as the other
 * benchmarks do: FerretDB's SQLite backend scans whole collections). Prints a
 * markdown table for the README, the machine, and the worker's peak RSS.
 *
 * Every phase is time-limited, so a slow database cannot make the run unbounded: posting
 * the throughput comments stops after BENCH_FILL_SECONDS, waiting for their decisions
 * after BENCH_DRAIN_SECONDS (the jobs still waiting are then removed, so that the latency
 * phase starts with an empty queue), and waiting after the steady load after
 * BENCH_SETTLE_SECONDS (comments still undecided count with a lower bound, shown as >ms).
 * The bench says so whenever a limit cut a phase short.
 *
 * Environment: BENCH_JOBS (default 2000), BENCH_CONCURRENCY (the worker's
 * WORKER_CONCURRENCY, default 32 like the worker's own), BENCH_RATE (default 20),
 * BENCH_SECONDS (default 20), BENCH_CONNECTIONS (parallel posts while filling the queue,
 * default 16), BENCH_FILL_SECONDS (30), BENCH_DRAIN_SECONDS (20), BENCH_SETTLE_SECONDS
 * (10), BENCH_CHILD_LOG_LEVEL (API and worker log level, default warn; their output is
 * printed with an [api] / [worker] prefix).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import Bull from 'bull';
import mongoose from 'mongoose';
import { freePort } from '../src/dev/free-port';
import { moderationJob, ModerationPayload } from '../src/modules/moderation/moderation.job';
import {
  childEnvironment,
  connectBench,
  Lifecycle,
  machineLine,
  removeExternalData,
  startBackingServices,
} from './bench-lifecycle';
import {
  API_ENTRY,
  assertBuilt,
  awaitingEnqueue,
  counterByLabel,
  counterGrowth,
  inOutbox,
  childTreeCpuTicks,
  cpuMicros,
  cpuShares,
  createSite,
  formatCounts,
  kbToMb,
  moderationQueueCounts,
  NodeChild,
  percentile,
  positiveInt,
  readStatusKb,
  sleep,
  waitReady,
  WORKER_ENTRY,
} from './bench-support';

const JOBS = positiveInt(process.env.BENCH_JOBS, 2000);
const CONCURRENCY = Math.min(64, positiveInt(process.env.BENCH_CONCURRENCY, 32));
const RATE = positiveInt(process.env.BENCH_RATE, 20);
const SECONDS = positiveInt(process.env.BENCH_SECONDS, 20);
const POSTERS = positiveInt(process.env.BENCH_CONNECTIONS, 16);
const CHILD_LOG_LEVEL = process.env.BENCH_CHILD_LOG_LEVEL ?? 'warn';
const HOST = '127.0.0.1';
/** Comments per commenter: the burst rule holds a fifth comment within two minutes. */
const PER_COMMENTER = 3;
const THREADS = 20;
/** Time limits of the phases: posting the throughput comments, draining them, waiting after the steady load. */
const FILL_SECONDS = positiveInt(process.env.BENCH_FILL_SECONDS, 30);
const DRAIN_SECONDS = positiveInt(process.env.BENCH_DRAIN_SECONDS, 20);
const SETTLE_SECONDS = positiveInt(process.env.BENCH_SETTLE_SECONDS, 10);
/** A post not answered within this long counts as failed. */
const POST_TIMEOUT_MS = 10_000;
/** The whole run is abandoned (children killed, exit 1) after this long. */
const HARD_LIMIT_MS = 120_000 + (FILL_SECONDS + DRAIN_SECONDS + SECONDS + SETTLE_SECONDS) * 1000 + POST_TIMEOUT_MS;

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
  const slot = (n * 37) % 100; // every 100 consecutive comments have each slot once, spread out
  if (slot < 2) return { body: `${base} Vilket ${BANNED[n % BANNED.length]} det här är.`, expected: 'rejected' };
  if (slot < 6) return { body: `${base} Testa ${SUSPECT[n % SUSPECT.length]} i stället!`, expected: 'held' };
  if (slot < 8) return { body: `${base} Maila mig på anna.${n}@example.se om du vill prata.`, expected: 'held' };
  if (slot < 9)
    return { body: `${base} Läs mer på https://example.se/a${n} och www.example.org/b${n}`, expected: 'held' };
  return { body: base, expected: 'published' };
}

// --- run ------------------------------------------------------------------------------------

/** Everything this run started; the API and worker get 5 s to stop. */
const life = new Lifecycle(5_000);

interface PhaseResult {
  published: number;
  held: number;
  rejected: number;
  undecided: number;
}

async function main(): Promise<void> {
  const started = Date.now();
  assertBuilt();

  // --- backing services -------------------------------------------------------------------
  const services = await startBackingServices(life);
  const queuePrefix = `benchmod-${randomBytes(4).toString('hex')}`;
  // The bench's own handle on the moderation queue: removing waiting jobs, looking jobs up.
  const queue = new Bull<ModerationPayload>(moderationJob.name, services.redisUrl, { prefix: queuePrefix });
  queue.on('error', () => undefined);
  life.onStop(() => queue.close());
  const { db, database } = await connectBench(life, services, {}, true);
  const comments = db.collection('comments');
  const moderationLog = db.collection('moderation_log');
  if (services.kind === 'ferretdb-sqlite' || (!services.kind && database.startsWith('ferretdb'))) {
    console.log(
      `note: ${services.kind ? '' : 'if this FerretDB runs on SQLite: '}FerretDB 1.x on SQLite pushes down only filters of the form {_id: …}; ` +
        'every other query, update and count reads the whole collection, and writes take a database-wide lock. ' +
        "Costs here then grow with the number of comments stored (install Debian's postgresql for the PostgreSQL backend).",
    );
  }
  const loadBefore = os.loadavg()[0] ?? 0;
  console.log(`load average (1 min) before the run: ${loadBefore.toFixed(2)} on ${os.cpus().length} cores`);
  if (loadBefore > 0.75 * os.cpus().length) {
    console.log(
      'WARNING: other processes keep this machine busy; the numbers below will be lower and noisier than on an idle machine',
    );
  }

  // --- API process, site, commenters ----------------------------------------------------------
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const adminKey = randomBytes(24).toString('hex');
  // The worker serves its metrics on loopback (HOST) only: the bench reads its database commands there.
  const workerMetricsPort = await freePort();
  const workerMetrics = `http://${HOST}:${workerMetricsPort}/metrics`;
  const childEnv = childEnvironment(
    services,
    { port, base, adminKey, queuePrefix, logLevel: CHILD_LOG_LEVEL },
    { HOST, WORKER_CONCURRENCY: String(CONCURRENCY), WORKER_METRICS_PORT: String(workerMetricsPort) },
  );
  delete childEnv.SITES_SEED_FILE;
  const api = life.spawn('api', API_ENTRY, childEnv);
  await waitReady(base, api, 30_000);
  console.log(`API pid ${api.pid} listening on ${base} (no worker yet)`);

  const siteId = `benchmod-${randomBytes(4).toString('hex')}`;
  const sign = await createSite(base, adminKey, siteId, {
    name: 'Moderation benchmark',
    moderation: { mode: 'post', bannedWords: BANNED, suspectWords: SUSPECT, holdPersonalData: true, maxLinks: 1 },
    rateLimits: { commentsPerCommenterPerMinute: 10_000, commentsPerIpPerMinute: 100_000 },
  });

  const total = JOBS + RATE * SECONDS;
  const tokens = await Promise.all(
    Array.from({ length: Math.ceil(total / PER_COMMENTER) }, (_, i) => sign(`bench-user-${i}`, `Bench User ${i}`)),
  );
  const commentsUrl = `${base}/api/v1/sites/${siteId}/comments`;

  /** Posts comment n; resolves with its id, or undefined (the failure is counted). */
  const refused = new Map<string, number>();
  const post = async (n: number, thread: string): Promise<string | undefined> => {
    try {
      const res = await fetch(commentsUrl, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${tokens[Math.floor(n / PER_COMMENTER)]}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ thread, body: commentText(n).body, threadTitle: `Benchmark thread ${thread}` }),
        signal: AbortSignal.timeout(POST_TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.status === 201) return (JSON.parse(text) as { comment: { id: string } }).comment.id;
      let code = text.slice(0, 120);
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? code;
      } catch {
        // not JSON
      }
      const k = `HTTP ${res.status} ${code}`;
      refused.set(k, (refused.get(k) ?? 0) + 1);
    } catch (err) {
      const k = `error ${(err as Error).message}`;
      refused.set(k, (refused.get(k) ?? 0) + 1);
    }
    return undefined;
  };

  // --- 1. throughput: fill the queue, then start one worker ------------------------------------
  console.log(
    `\n== throughput: posting ${JOBS} comments with no worker running (${POSTERS} in parallel, at most ${FILL_SECONDS} s)`,
  );
  const tpThreads = Array.from({ length: THREADS }, (_, i) => `mod-tp-${i}`);
  const tpPosted = new Set<string>();
  let next = 0;
  const fillStart = performance.now();
  const fillDeadline = fillStart + FILL_SECONDS * 1000;
  let lastTick = { at: fillStart, posted: 0 };
  const ticker = setInterval(() => {
    const now = performance.now();
    console.log(
      `   … ${tpPosted.size} posted after ${((now - fillStart) / 1000).toFixed(0)} s ` +
        `(${((tpPosted.size - lastTick.posted) / ((now - lastTick.at) / 1000)).toFixed(0)} posts/s over the last ${((now - lastTick.at) / 1000).toFixed(0)} s)`,
    );
    lastTick = { at: now, posted: tpPosted.size };
  }, 5000);
  await Promise.all(
    Array.from({ length: POSTERS }, async () => {
      while (next < JOBS && !life.stopping && performance.now() < fillDeadline) {
        const n = next++;
        const id = await post(n, tpThreads[n % THREADS]!);
        if (id) tpPosted.add(id);
      }
    }),
  ).finally(() => clearInterval(ticker));
  life.throwIfStopping();
  const fillMs = performance.now() - fillStart;
  const fillCut = next < JOBS;
  console.log(
    `   posted ${tpPosted.size} comments in ${(fillMs / 1000).toFixed(1)} s (${(tpPosted.size / (fillMs / 1000)).toFixed(0)} posts/s)` +
      (fillCut
        ? `; WARNING: stopped at the ${FILL_SECONDS} s limit (BENCH_FILL_SECONDS), ${JOBS - next} of ${JOBS} never posted`
        : ''),
  );
  reportRefused(refused);
  if (tpPosted.size === 0) throw new Error('no comment was accepted');
  const tpFilter = { siteId, threadKey: { $in: tpThreads } };
  const queued = await moderationQueueCounts(base);
  const notEnqueued = (await awaitingEnqueue(db, tpFilter)).size;
  const collectionSize = await comments.estimatedDocumentCount();
  const tpCreated = await comments.countDocuments(tpFilter);
  if (tpCreated !== tpPosted.size)
    console.log(`   WARNING: ${tpCreated} comments were created for ${tpPosted.size} answered posts`);
  console.log(
    `   moderation queue before the worker starts: ${queued ? formatCounts(queued) : 'unknown'}; ` +
      `comments whose job is still in the outbox: ${notEnqueued}; comments in the database: ${collectionSize}`,
  );

  // Paused while the worker starts, so that its start stays out of the timing and the round trips.
  await queue.pause();
  const spawnedAt = Date.now();
  const worker = life.spawn('worker', WORKER_ENTRY, childEnv);
  const tpCommandsBefore = await workerUp(worker, workerMetrics, 30_000);
  const upAt = Date.now();
  const cpuBefore = childTreeCpuTicks();
  const selfBefore = process.cpuUsage();
  await queue.resume();
  const resumedAt = Date.now();
  console.log(
    `   worker pid ${worker.pid} up ${((upAt - spawnedAt) / 1000).toFixed(2)} s after its spawn (WORKER_CONCURRENCY=${CONCURRENCY}); ` +
      `queue resumed; waiting for ${tpCreated} decisions (at most ${DRAIN_SECONDS} s)…`,
  );
  const tpWait = await waitDecided({
    base,
    worker,
    target: tpCreated,
    deadline: resumedAt + DRAIN_SECONDS * 1000,
    decided: () => comments.countDocuments({ ...tpFilter, decidedAt: { $ne: null } }),
    awaitingSweep: async () => (await awaitingEnqueue(db, { ...tpFilter, decidedAt: null })).size,
  });
  const drainEnded = Date.now();
  const tpCommandsAfter = await counterByLabel(workerMetrics, 'database_commands_total', 'command');
  const tpCpu = cpuShares(
    cpuBefore,
    childTreeCpuTicks(),
    cpuMicros(process.cpuUsage(selfBefore)),
    drainEnded - resumedAt,
    new Map([
      [api.pid, 'api'],
      [worker.pid, 'worker'],
    ]),
  );
  let removedJobs = 0;
  if (!tpWait.complete) {
    // What is still waiting would run during the latency phase and delay its comments.
    removedJobs = await queue.getWaitingCount();
    await queue.empty();
    console.log(
      `   removed ${removedJobs} waiting jobs from the queue so that the latency phase starts with an empty queue`,
    );
    for (let i = 0; i < 40 && (await queue.getActiveCount()) > 0; i++) await sleep(250); // let the active ones finish
  }
  const tpDocs = await comments
    .find(tpFilter, { projection: { body: 1, status: 1, held: 1, decidedAt: 1, createdAt: 1 } })
    .toArray();
  const decidedTimes = tpDocs
    .map((d) => (d.decidedAt as Date | null)?.getTime())
    .filter((t): t is number => t !== undefined);
  const firstDecided = decidedTimes.length ? Math.min(...decidedTimes) : NaN;
  const lastDecided = decidedTimes.length ? Math.max(...decidedTimes) : NaN;
  const steadyRate = decidedTimes.length > 1 ? (decidedTimes.length - 1) / ((lastDecided - firstDecided) / 1000) : NaN;
  const wallRate = decidedTimes.length / ((lastDecided - resumedAt) / 1000);
  const tp = outcomes(tpDocs);
  console.log(
    `   ${decidedTimes.length} of ${tpDocs.length} decided${tpWait.complete ? '' : ` (WARNING: ${tpWait.reason})`}`,
  );
  console.log(
    `   first decision ${((firstDecided - resumedAt) / 1000).toFixed(2)} s after resuming the queue; ` +
      `last after ${((lastDecided - resumedAt) / 1000).toFixed(2)} s`,
  );
  console.log(
    `   throughput: ${steadyRate.toFixed(1)} jobs/s from first to last decision; ${wallRate.toFixed(1)} jobs/s counting from the resume`,
  );
  const tpTrips = roundTrips(tpCommandsBefore, tpCommandsAfter, decidedTimes.length);
  console.log(`   database round trips of the worker per decided comment: ${tpTrips.line}`);
  console.log(
    `   outcomes: published ${tp.result.published}, held ${tp.result.held}, rejected ${tp.result.rejected}, undecided ${tp.result.undecided}`,
  );
  reportMismatches(tp.mismatches);
  if (tpCpu) console.log(`   CPU while draining (100% = one core, ${os.cpus().length} cores): ${tpCpu}`);
  console.log(
    `   worker RSS after draining: ${kbToMb(readStatusKb(worker.pid, 'VmRSS'))} MB, peak so far ${kbToMb(readStatusKb(worker.pid, 'VmHWM'))} MB`,
  );
  await diagnoseUndecided(tpDocs, { comments, moderationLog, connection: db, queue }, removedJobs > 0);

  // --- 2. latency under a steady load ----------------------------------------------------------
  const count = RATE * SECONDS;
  console.log(
    `\n== latency: posting ${RATE} comments/s for ${SECONDS} s (${count} comments) with the worker running; ` +
      `comments in the database: ${await comments.estimatedDocumentCount()}`,
  );
  const latThreads = Array.from({ length: THREADS }, (_, i) => `mod-lat-${i}`);
  const latPosted = new Set<string>();
  const postMs: number[] = [];
  refused.clear();
  const inFlight: Array<Promise<void>> = [];
  const latCommandsBefore = await counterByLabel(workerMetrics, 'database_commands_total', 'command');
  const cpuBefore2 = childTreeCpuTicks();
  const selfBefore2 = process.cpuUsage();
  const runStart = performance.now();
  let maxLagMs = 0;
  let maxInFlight = 0;
  let open = 0;
  for (let i = 0; i < count && !life.stopping; i++) {
    const due = runStart + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    maxLagMs = Math.max(maxLagMs, performance.now() - due);
    const n = JOBS + i;
    open++;
    maxInFlight = Math.max(maxInFlight, open);
    inFlight.push(
      (async () => {
        const t0 = performance.now();
        const id = await post(n, latThreads[i % THREADS]!);
        postMs.push(performance.now() - t0);
        open--;
        if (id) latPosted.add(id);
      })(),
    );
  }
  await Promise.all(inFlight);
  life.throwIfStopping();
  const sendMs = performance.now() - runStart;
  postMs.sort((a, b) => a - b);
  console.log(
    `   posted ${latPosted.size} comments in ${(sendMs / 1000).toFixed(1)} s (schedule lag max ${maxLagMs.toFixed(0)} ms, ` +
      `at most ${maxInFlight} posts in flight); POST response p50 ${percentile(postMs, 50).toFixed(0)} ms, p99 ${percentile(postMs, 99).toFixed(0)} ms`,
  );
  reportRefused(refused);
  const latFilter = { siteId, threadKey: { $in: latThreads } };
  const latCreated = await comments.countDocuments(latFilter);
  if (latCreated !== latPosted.size)
    console.log(`   WARNING: ${latCreated} comments created so far for ${latPosted.size} answered posts`);
  const latWait = await waitDecided({
    base,
    worker,
    target: latCreated,
    deadline: Date.now() + SETTLE_SECONDS * 1000,
    decided: () => comments.countDocuments({ ...latFilter, decidedAt: { $ne: null } }),
    awaitingSweep: async () => (await awaitingEnqueue(db, { ...latFilter, decidedAt: null })).size,
  });
  const checkedAt = Date.now();
  const latCommandsAfter = await counterByLabel(workerMetrics, 'database_commands_total', 'command');
  const latCpu = cpuShares(
    cpuBefore2,
    childTreeCpuTicks(),
    cpuMicros(process.cpuUsage(selfBefore2)),
    checkedAt - Math.round(performance.timeOrigin + runStart),
    new Map([
      [api.pid, 'api'],
      [worker.pid, 'worker'],
    ]),
  );
  const latDocs = await comments
    .find(latFilter, { projection: { body: 1, status: 1, held: 1, decidedAt: 1, createdAt: 1 } })
    .toArray();
  // Undecided comments count with what they had waited when the bench stopped looking: a lower bound.
  const waits = latDocs.map((d) => ({
    created: (d.createdAt as Date).getTime(),
    ms: ((d.decidedAt as Date | null)?.getTime() ?? checkedAt) - (d.createdAt as Date).getTime(),
    lowerBound: !d.decidedAt,
  }));
  const byValue = [...waits].sort((a, b) => a.ms - b.ms);
  const pick = (q: number): string => {
    if (byValue.length === 0) return 'n/a';
    const w = byValue[Math.min(byValue.length - 1, Math.max(0, Math.ceil((q / 100) * byValue.length) - 1))]!;
    return `${w.lowerBound ? '>' : ''}${w.ms}`;
  };
  const p = { p50: pick(50), p95: pick(95), p99: pick(99), max: pick(100) };
  const lat = outcomes(latDocs);
  const decidedCount = waits.filter((w) => !w.lowerBound).length;
  const latTrips = roundTrips(latCommandsBefore, latCommandsAfter, decidedCount);
  console.log(
    `   ${decidedCount} of ${latDocs.length} comments created decided${latWait.complete ? '' : ` (WARNING: ${latWait.reason})`}`,
  );
  console.log(
    `   post-to-decision (decidedAt − createdAt): p50 ${p.p50} ms, p95 ${p.p95} ms, p99 ${p.p99} ms, max ${p.max} ms, min ${byValue[0]?.ms ?? 'n/a'} ms` +
      (decidedCount < waits.length
        ? ` ('>' = still undecided ${((checkedAt - Math.round(performance.timeOrigin + runStart)) / 1000).toFixed(0)} s after the first post)`
        : ''),
  );
  const byPosting = [...waits].sort((a, b) => a.created - b.created);
  const quarter = Math.max(1, Math.floor(byPosting.length / 4));
  const medianOf = (rows: typeof waits) =>
    percentile(
      rows.map((w) => w.ms).sort((a, b) => a - b),
      50,
    );
  const early = medianOf(byPosting.slice(0, quarter));
  const late = medianOf(byPosting.slice(-quarter));
  console.log(
    `   median wait of the first quarter posted ${early} ms, of the last quarter ${late} ms` +
      (late > 2 * early + 200
        ? ' — WARNING: the wait grew during the run, so the worker (or the database) did not keep up with this rate; these are backlog numbers, not a steady state'
        : ''),
  );
  console.log(
    `   outcomes: published ${lat.result.published}, held ${lat.result.held}, rejected ${lat.result.rejected}, undecided ${lat.result.undecided}`,
  );
  reportMismatches(lat.mismatches);
  console.log(`   database round trips of the worker per decided comment: ${latTrips.line}`);
  if (latCpu) console.log(`   CPU from the first post until the last check (100% = one core): ${latCpu}`);
  await diagnoseUndecided(latDocs, { comments, moderationLog, connection: db, queue }, false);

  const workerPeakKb = readStatusKb(worker.pid, 'VmHWM');
  const finalQueue = await moderationQueueCounts(base);
  if (finalQueue) console.log(`moderation queue at the end: ${formatCounts(finalQueue)}`);
  for (const child of [api, worker]) {
    if (child.messages.size)
      console.log(
        `${child.role} log lines by message: ${[...child.messages].map(([m, c]) => `"${m}" ×${c}`).join(', ')}`,
      );
  }

  // --- report ------------------------------------------------------------------------------------
  const fmt = (r: PhaseResult) =>
    `${r.published} / ${r.held} / ${r.rejected}${r.undecided ? ` (+${r.undecided} undecided)` : ''}`;
  console.log('');
  console.log(
    `Results (${tpDocs.length} queued jobs${fillCut || !tpWait.complete ? ', time-limited' : ''}; then ${RATE}/s for ${SECONDS} s):`,
  );
  console.log('');
  console.log(
    '| scenario | jobs/s | p50 ms | p95 ms | p99 ms | max ms | DB round trips per job | published / held / rejected |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  console.log(
    `| moderation throughput (1 worker, concurrency ${CONCURRENCY}) | ${steadyRate.toFixed(1)} | – | – | – | – | ${tpTrips.perJob} | ${fmt(tp.result)} |`,
  );
  console.log(
    `| post-to-decision latency at ${RATE}/s | – | ${p.p50} | ${p.p95} | ${p.p99} | ${p.max} | ${latTrips.perJob} | ${fmt(lat.result)} |`,
  );
  console.log('');
  console.log(`Worker database round trips per decided comment, by command: throughput ${tpTrips.line}`);
  console.log(`                                                              latency    ${latTrips.line}`);
  console.log('');
  console.log(machineLine(database, ['API', 'worker', ...services.local, 'bench client']));
  console.log(
    `Worker peak RSS (VmHWM): ${kbToMb(workerPeakKb)} MB. Load average (1 min) before the run ${loadBefore.toFixed(2)}, at the end ${(os.loadavg()[0] ?? 0).toFixed(2)}.`,
  );
  console.log('');

  await life.cleanup();
  await removeExternalData(services, siteId, queuePrefix);
  console.log(`bench finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Waits until the worker's /metrics answers (it is served once the job processors have
 * started) and returns its database command counts at that moment.
 */
async function workerUp(worker: NodeChild, metricsUrl: string, timeoutMs: number): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    life.throwIfStopping();
    if (!worker.alive) throw new Error('the worker process exited before it was up');
    const counts = await counterByLabel(metricsUrl, 'database_commands_total', 'command');
    if (counts) return counts;
    if (Date.now() >= deadline) throw new Error(`the worker's metrics did not answer within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * The worker's database commands between two readings, per decided comment: the total
 * (for the table) and a line with the breakdown by command, largest first.
 */
function roundTrips(
  before: Map<string, number> | undefined,
  after: Map<string, number> | undefined,
  decided: number,
): { perJob: string; line: string } {
  if (!before || !after || decided === 0) return { perJob: 'n/a', line: "n/a (the worker's metrics did not answer)" };
  const growth = [...counterGrowth(before, after)].sort((a, b) => b[1] - a[1]);
  const total = growth.reduce((n, [, v]) => n + v, 0);
  const perJob = (total / decided).toFixed(2);
  const parts = growth.map(([command, n]) => `${command} ${(n / decided).toFixed(2)}`).join(', ');
  return { perJob, line: `${perJob} (${total} commands for ${decided} comments: ${parts || 'none'})` };
}

/**
 * Waits until `target` comments are decided, the deadline passes, the worker dies, or the
 * queue is empty with comments still undecided and none left for the outbox sweeper.
 * Watches the queue through the API's /metrics (Redis only) and counts decided comments
 * in the database only once the queue looks drained: on FerretDB a count is a full scan
 * of the collection, which would compete with the worker for the database.
 */
async function waitDecided(args: {
  base: string;
  worker: NodeChild;
  target: number;
  deadline: number;
  decided: () => Promise<number>;
  awaitingSweep: () => Promise<number>;
}): Promise<{ complete: boolean; reason?: string }> {
  const { base, worker, target, deadline } = args;
  let settled = 0;
  let lastPrint = Date.now();
  let lastDbCount = 0;
  for (;;) {
    life.throwIfStopping();
    const q = await moderationQueueCounts(base);
    const busy = q ? (q.waiting ?? 0) + (q.active ?? 0) + (q.delayed ?? 0) : undefined;
    const now = Date.now();
    if (busy === 0 || (busy === undefined && now - lastDbCount > 5000)) {
      lastDbCount = now;
      const decided = await args.decided();
      if (decided >= target) return { complete: true };
      if (busy === 0 && (await args.awaitingSweep()) === 0) {
        if (++settled >= 4) {
          return {
            complete: false,
            reason: `the queue is empty but ${target - decided} of ${target} comments are undecided and none waits for the sweeper`,
          };
        }
      } else {
        settled = 0;
      }
    } else {
      settled = 0;
    }
    if (!worker.alive) return { complete: false, reason: 'the worker process exited' };
    if (now >= deadline) {
      const decided = await args.decided();
      if (decided >= target) return { complete: true };
      return {
        complete: false,
        reason: `stopped waiting at the time limit with ${decided} of ${target} decided; queue: ${q ? formatCounts(q) : 'unknown'}`,
      };
    }
    if (now - lastPrint >= 5000) {
      lastPrint = now;
      console.log(`   … queue: ${q ? formatCounts(q) : 'unknown'}`);
    }
    await sleep(250);
  }
}

type CommentRow = mongoose.mongo.WithId<mongoose.mongo.Document>;

/** The outcome each text the bench posts should get. */
const expectedByBody = new Map<string, Outcome>();
function expectedOf(body: string): Outcome | undefined {
  if (expectedByBody.size === 0) {
    for (let n = 0; n < JOBS + RATE * SECONDS; n++) {
      const { body: text, expected } = commentText(n);
      expectedByBody.set(text, expected);
    }
  }
  return expectedByBody.get(body);
}

/** Outcome counts, and decisions that differ from what the text should get. */
function outcomes(docs: CommentRow[]): { result: PhaseResult; mismatches: Map<string, number> } {
  const result: PhaseResult = { published: 0, held: 0, rejected: 0, undecided: 0 };
  const mismatches = new Map<string, number>();
  for (const d of docs) {
    let actual: string;
    if (!d.decidedAt) actual = 'undecided';
    else if (d.status === 'published') actual = 'published';
    else if (d.status === 'rejected') actual = 'rejected';
    else if (d.status === 'pending' && d.held) actual = 'held';
    else actual = `${String(d.status)}${d.held ? '+held' : ''}`;
    if (actual === 'published' || actual === 'held' || actual === 'rejected' || actual === 'undecided')
      result[actual]++;
    const expected = expectedOf(String(d.body));
    if (actual !== 'undecided' && expected !== actual) {
      const k = `${expected ?? 'unknown text'} → ${actual}`;
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
  console.log(
    `   WARNING: unexpected outcomes (expected → actual): ${[...mismatches].map(([k, v]) => `${k} ×${v}`).join(', ')}`,
  );
}

function reportRefused(refused: Map<string, number>): void {
  if (refused.size)
    console.log(`   WARNING: posts not accepted: ${[...refused].map(([k, v]) => `${k} ×${v}`).join('; ')}`);
}

/**
 * For comments without a decision: is the job still on the queue (waiting, active, delayed
 * after a failed attempt, failed for good), did it run and claim the decision in the
 * moderation log without the comment being updated (a lost update), or is there neither
 * a job nor a claim? Job and claim are looked up first and the comment re-read after, so
 * a job finishing meanwhile is not mistaken for a lost decision.
 */
async function diagnoseUndecided(
  docs: CommentRow[],
  db: {
    comments: mongoose.mongo.Collection;
    moderationLog: mongoose.mongo.Collection;
    connection: mongoose.Connection;
    queue: Bull.Queue<ModerationPayload>;
  },
  jobsRemoved: boolean,
): Promise<void> {
  const candidates = docs.filter((d) => !d.decidedAt);
  if (candidates.length === 0) return;
  const jobState = new Map<string, string>();
  for (const d of candidates) {
    const job = await db.queue.getJob(moderationJob.jobId({ commentId: String(d._id), revision: 1 }));
    jobState.set(String(d._id), job ? await job.getState() : 'none');
  }
  const claims = await db.moderationLog
    .find({ claimKey: { $in: candidates.map((d) => `c:${String(d._id)}:v1`) } }, { projection: { claimKey: 1 } })
    .toArray();
  const claimed = new Set(claims.map((c) => String(c.claimKey)));
  const now = await db.comments
    .find({ _id: { $in: candidates.map((d) => d._id) } }, { projection: { decidedAt: 1 } })
    .toArray();
  const undecided = now.filter((d) => !d.decidedAt);
  if (undecided.length === 0) return;
  const queuedInOutbox = await inOutbox(
    db.connection,
    undecided.map((d) => d._id),
  );
  const byKind = new Map<string, number>();
  for (const d of undecided) {
    const id = String(d._id);
    const state = jobState.get(id) ?? 'none';
    const kind =
      state !== 'none'
        ? `job ${state}${claimed.has(`c:${id}:v1`) ? ', decision logged' : ''}`
        : claimed.has(`c:${id}:v1`)
          ? 'job gone and decision logged, but the comment was not updated (lost update)'
          : queuedInOutbox.has(id)
            ? 'no job yet, still in the outbox (the sweeper re-adds it)'
            : jobsRemoved
              ? 'job removed at the time limit'
              : 'no job, no decision logged, not in the outbox';
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  const lost = [...byKind].filter(([k]) => k.includes('lost update')).reduce((n, [, v]) => n + v, 0);
  console.log(
    `   ${lost > 0 ? 'WARNING' : 'NOTE'}: ${undecided.length} comments undecided: ${[...byKind].map(([k, v]) => `${k} ×${v}`).join('; ')}`,
  );
}

life.run(main, HARD_LIMIT_MS);
