/**
 * Erasure benchmark (npm run bench:erasure): how long one worker process takes to erase a
 * prolific commenter, and what that does to readers meanwhile.
 *
 * The API runs as its own process (dist/src/server.js) and ONE worker as another
 * (dist/workers/worker.js); everything talks over loopback.
 *
 *   1. Seeding: the subject posts one comment through the API (which creates their
 *      profile); then BENCH_COMMENTS published comments by the subject across
 *      BENCH_THREADS threads are inserted directly with mongoose insertMany, plus comments
 *      by other commenters in the same threads, replies by others to 1% of the subject's
 *      comments (those become tombstones), and a 50-comment thread by others for reading.
 *   2. Baseline before: an autocannon read load (GET the 50-comment thread) for
 *      BENCH_BASELINE_SECONDS with no erasure running.
 *   3. Erasure: the same read load; after a short lead-in the subject POSTs
 *      /me/erasure (the site has no grace period), the bench polls the request with its
 *      receipt token until it is completed, then stops the load. Read latency and req/s
 *      are taken over the erasure's window only (202 → completedAt).
 *   4. Baseline after: the same read load again, for the same lead-in and window length.
 *
 * Over each window it also reads the worker's and the API's /metrics (the worker's on
 * WORKER_METRICS_PORT, on loopback): database_commands_total, whose growth over the
 * erasure divided by the comments erased is the database round trips per erased comment,
 * and the API's page-cache hits and misses; and CPU per process, the database with its
 * PostgreSQL backends.
 *
 * Then it checks that none of the subject's comments and no profile remain, that replies by
 * others kept their place under tombstones and that the receipt adds up, and prints a
 * markdown table for the README. Exits 0 when the erasure completed and every check
 * passed; 1 otherwise, after printing what it measured: an erasure still running after
 * BENCH_ERASURE_TIMEOUT is reported with its progress (finished steps) and the worker
 * is stopped (the job is resumable).
 *
 * The embedded database is FerretDB 1.24 on a private PostgreSQL cluster. FerretDB still
 * reads far more than an index would (about 1 s per query on 11,000 comments on a 2-core
 * machine), so each erasure step costs time in proportion to the collection's size;
 * MONGODB_URI pointing at MongoDB measures the service itself.
 *
 * Uses MONGODB_URI / REDIS_URL when set, otherwise starts embedded servers (FerretDB unless
 * KOMMENTARER_EMBEDDED_MONGO is set to something other than "ferretdb").
 *
 * Environment: BENCH_COMMENTS (default 10000), BENCH_THREADS (default 100),
 * BENCH_OTHERS_PER_THREAD (comments by others per thread, default 10), BENCH_CONNECTIONS
 * (read load, default 10), BENCH_READ_LOGGED_IN (1: readers send a commenter's token, so
 * every read reaches the database instead of the page cache), BENCH_BASELINE_SECONDS (default 10), BENCH_ERASURE_TIMEOUT
 * (seconds, default 900), BENCH_CHILD_LOG_LEVEL (API and worker log level, default warn);
 * ERASURE_PACE reaches the worker as it is (its pause after each step; see the README).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Types } from 'mongoose';
import { freePort } from '../src/dev/free-port';
import { CommentDoc, CommentModel } from '../src/modules/comments/comment.model';
import { CommenterDoc, CommenterModel } from '../src/modules/commenters/commenter.model';
import { ERASURE_CHUNK } from '../src/modules/privacy/erasure.runner';
import { ThreadDoc, ThreadModel } from '../src/modules/threads/thread.model';
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
  childCpuTicks,
  childTreeCpuTicks,
  counterGrowth,
  counterTotal,
  cpuMicros,
  cpuShares,
  createSite,
  formatCounter,
  formatCounts,
  kbToMb,
  letters,
  PeakRss,
  percentile,
  positiveInt,
  readStatusKb,
  scrapeCounters,
  sleep,
  waitReady,
  WORKER_ENTRY,
} from './bench-support';

const COMMENTS = positiveInt(process.env.BENCH_COMMENTS, 10_000);
const THREADS = positiveInt(process.env.BENCH_THREADS, 100);
const OTHERS_PER_THREAD = positiveInt(process.env.BENCH_OTHERS_PER_THREAD, 10);
const CONNECTIONS = positiveInt(process.env.BENCH_CONNECTIONS, 10);
/** Readers send a commenter's token: every read then goes to the database, past the page cache. */
const READ_LOGGED_IN = process.env.BENCH_READ_LOGGED_IN === '1';
const BASELINE_SECONDS = positiveInt(process.env.BENCH_BASELINE_SECONDS, 10);
const ERASURE_TIMEOUT_MS = positiveInt(process.env.BENCH_ERASURE_TIMEOUT, 900) * 1000;
const CHILD_LOG_LEVEL = process.env.BENCH_CHILD_LOG_LEVEL ?? 'warn';
/** One in this many of the subject's comments gets a reply by someone else (1%). */
const REPLY_EVERY = 100;
const OTHER_COMMENTERS = 20;
const READ_COMMENTS = 50;
/** Distinct IP hashes among the subject's comments (their rate-limit keys are deleted too). */
const SUBJECT_IPS = 5;
const INSERT_BATCH = 1000;
/** The read load runs this long before the erasure is requested (and before the baseline window). */
const LEAD_IN_MS = 2000;
const POLL_MS = 100;
/** autocannon's per-request timeout (s): long, because a timed-out request is sent again while the API still works on the first. */
const READ_TIMEOUT_S = 120;
const HOST = '127.0.0.1';
/** The whole run is abandoned (children killed, exit 1) after this long. */
const HARD_LIMIT_MS =
  120_000 + COMMENTS * 10 + BASELINE_SECONDS * 1000 + 2 * (ERASURE_TIMEOUT_MS + LEAD_IN_MS) + 150_000;

/** In every seeded comment of the subject, so that leftovers can be searched for by text. */
const MARKER = `subjectmark${randomBytes(4).toString('hex')}`;

// FerretDB by default: the mongod download attempt only costs time where there is no network.
process.env.KOMMENTARER_EMBEDDED_MONGO ??= 'ferretdb';

/** Everything this run started, the read loads included; the API and worker get 10 s to stop. */
const life = new Lifecycle();

interface Sample {
  /** performance.now() when the response arrived. */
  at: number;
  ms: number;
  status: number;
}

interface WindowStats {
  name: string;
  seconds: number;
  responses: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  /** Non-2xx answers and failed requests (timeouts, resets). */
  failed: number;
}

async function main(): Promise<void> {
  const started = Date.now();
  assertBuilt();

  // --- backing services -------------------------------------------------------------------
  const services = await startBackingServices(life);
  // The bench's own connection: seeding and checking. Indexes are the API's and worker's business.
  const { db, database } = await connectBench(life, services, { autoIndex: false, autoCreate: false });
  const Comments = db.model<CommentDoc>('Comment', CommentModel.schema, 'comments');
  const Commenters = db.model<CommenterDoc>('Commenter', CommenterModel.schema, 'commenters');
  const Threads = db.model<ThreadDoc>('Thread', ThreadModel.schema, 'threads');
  const erasureRequests = db.collection('erasure_requests');
  const erasureSteps = db.collection('erasure_steps');
  /** Comments erased so far: the finished steps' counts (the receipt is written at the end). */
  const erasedSoFar = async (): Promise<{ done: number; open: boolean }> => {
    const steps = await erasureSteps.find({ requestId }, { projection: { counts: 1, done: 1 } }).toArray();
    const done = steps
      .filter((st) => st.done)
      .reduce((n, st) => n + (st.counts?.comments_deleted ?? 0) + (st.counts?.comments_tombstoned ?? 0), 0);
    return { done, open: steps.some((st) => !st.done) };
  };

  // --- API and worker processes ------------------------------------------------------------
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const adminKey = randomBytes(24).toString('hex');
  const queuePrefix = `benchera-${randomBytes(4).toString('hex')}`;
  const childEnv = childEnvironment(
    services,
    { port, base, adminKey, queuePrefix, logLevel: CHILD_LOG_LEVEL },
    { HOST },
  );
  // The worker's own /metrics (on HOST, loopback): its database round trips during the erasure.
  const workerMetricsPort = await freePort();
  childEnv.WORKER_METRICS_PORT = String(workerMetricsPort);
  delete childEnv.METRICS_PORT;
  delete childEnv.SITES_SEED_FILE;
  const api = life.spawn('api', API_ENTRY, childEnv);
  const worker = life.spawn('worker', WORKER_ENTRY, childEnv);
  await waitReady(base, api, 30_000);
  console.log(
    `API pid ${api.pid} listening on ${base}; worker pid ${worker.pid} (metrics on port ${workerMetricsPort}, ` +
      `ERASURE_PACE ${childEnv.ERASURE_PACE ?? 'unset: its default'})`,
  );
  const readCounters = async (): Promise<Counters> => ({
    worker: await scrapeCounters(`http://${HOST}:${workerMetricsPort}/metrics`, { database_commands_total: 'command' }),
    api: await scrapeCounters(`${base}/metrics`, {
      database_commands_total: 'command',
      public_page_cache_total: 'result',
    }),
  });

  // --- site and the subject's profile ----------------------------------------------------------
  const siteId = `benchera-${randomBytes(4).toString('hex')}`;
  const sign = await createSite(base, adminKey, siteId, { name: 'Erasure benchmark', erasureGraceHours: 0 });
  const subjectSub = 'erasure-subject';
  const subjectToken = await sign(subjectSub, 'Erasure Subject');
  const readHeaders: Record<string, string> = READ_LOGGED_IN
    ? { Authorization: `Bearer ${await sign('bench-reader', 'Bench Reader')}` }
    : {};
  console.log(
    READ_LOGGED_IN
      ? 'readers are logged in: every read goes to the database'
      : 'readers are anonymous: reads are served by the page cache between writes',
  );
  const threadKeys = Array.from({ length: THREADS }, (_, i) => `erasure-${i}`);
  const first = await fetch(`${base}/api/v1/sites/${siteId}/comments`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${subjectToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      thread: threadKeys[0],
      body: `First comment by the subject (${MARKER}), through the API.`,
      threadTitle: 'Erasure thread',
    }),
  });
  if (first.status !== 201)
    throw new Error(`the subject's first comment was refused: ${first.status} ${await first.text()}`);
  const firstId = new Types.ObjectId(((await first.json()) as { comment: { id: string } }).comment.id);
  const profile = await Commenters.findOne({ siteId, sub: subjectSub }).lean();
  if (!profile) throw new Error('the subject has no profile after posting');
  const profileId = profile._id;
  const firstDecided = await waitFor(
    async () => !!(await Comments.findById(firstId, { decidedAt: 1 }).lean())?.decidedAt,
    20_000,
  );
  const firstState = await Comments.findById(firstId, { status: 1, held: 1 }).lean();
  console.log(
    `subject profile ${String(profileId)}; their API comment is ${firstState?.status ?? 'missing'}` +
      `${firstDecided ? '' : ' (not decided by the worker within 20 s)'}`,
  );

  // --- seeding ---------------------------------------------------------------------------------
  const seedStart = performance.now();
  const now = Date.now();
  const others = Array.from({ length: OTHER_COMMENTERS }, (_, i) => ({
    _id: new Types.ObjectId(),
    siteId,
    sub: `other-${i}`,
    name: `Other Reader ${i}`,
    email: null,
    createdAt: new Date(now - 86_400_000),
    lastSeenAt: new Date(now - 3_600_000),
  }));
  await Commenters.insertMany(others);
  const readThread = 'erasure-read';
  await Threads.insertMany(
    [...threadKeys.slice(1), readThread].map((k) => ({
      siteId,
      key: k,
      title: `Thread ${k}`,
      url: null,
      status: 'open',
      createdAt: new Date(now - 86_400_000),
    })),
  );

  const subjectIps = Array.from({ length: SUBJECT_IPS }, () => randomBytes(32).toString('hex'));
  // Timestamps: one a second up to a minute ago, so every createdAt is distinct and none is
  // old enough for retention (30 days) to touch.
  const firstAt =
    now - 60_000 - (COMMENTS + THREADS * OTHERS_PER_THREAD + COMMENTS / REPLY_EVERY + READ_COMMENTS + 10) * 1000;
  let clock = 0;
  const nextDate = () => new Date(firstAt + 1000 * clock++);
  const otherComment = (threadKey: string, n: number, parentId: Types.ObjectId | null) => {
    const at = nextDate();
    return {
      _id: new Types.ObjectId(),
      siteId,
      threadKey,
      parentId,
      authorId: others[n % OTHER_COMMENTERS]!._id,
      body: `A reader's remark ${letters(n)} about the article.`,
      status: 'published' as const,
      revision: 1,
      version: 1,
      held: false,
      rules: [],
      openReportCount: 0,
      decidedAt: at,
      decidedBy: 'system',
      ipHash: randomBytes(32).toString('hex'),
      createdAt: at,
      editedAt: null,
      updatedAt: at,
    };
  };

  let batch: Array<Record<string, unknown>> = [];
  const flush = async () => {
    if (batch.length) await Comments.insertMany(batch, { ordered: false });
    batch = [];
  };
  const add = async (doc: Record<string, unknown>) => {
    batch.push(doc);
    if (batch.length >= INSERT_BATCH) await flush();
  };
  const repliedTo: Types.ObjectId[] = [];
  const replyIds: Types.ObjectId[] = [];
  let otherN = 0;
  for (let i = 0; i < COMMENTS; i++) {
    const threadKey = threadKeys[i % THREADS]!;
    const at = nextDate();
    const id = new Types.ObjectId();
    await add({
      _id: id,
      siteId,
      threadKey,
      parentId: null,
      authorId: profileId,
      body: `Comment ${letters(i)} by the subject (${MARKER}): an opinion about this article.`,
      status: 'published',
      revision: 1,
      version: 1,
      held: false,
      rules: [],
      openReportCount: 0,
      decidedAt: at,
      decidedBy: 'system',
      ipHash: subjectIps[i % SUBJECT_IPS],
      createdAt: at,
      editedAt: null,
      updatedAt: at,
    });
    if (i % REPLY_EVERY === REPLY_EVERY - 1) {
      const reply = otherComment(threadKey, otherN++, id);
      repliedTo.push(id);
      replyIds.push(reply._id);
      await add(reply);
    }
    // Others' top-level comments, spread over the threads as the subject's come in.
    if (
      Math.floor(((i + 1) * THREADS * OTHERS_PER_THREAD) / COMMENTS) >
      Math.floor((i * THREADS * OTHERS_PER_THREAD) / COMMENTS)
    ) {
      await add(otherComment(threadKey, otherN++, null));
    }
  }
  for (let i = 0; i < READ_COMMENTS; i++) await add(otherComment(readThread, otherN++, null));
  await flush();
  const seedMs = performance.now() - seedStart;
  const otherTotal = await Comments.countDocuments({ siteId, authorId: { $in: others.map((o) => o._id) } });
  const subjectTotal = await Comments.countDocuments({ siteId, authorId: profileId });
  console.log(
    `seeded ${COMMENTS} comments by the subject in ${THREADS} threads, ${otherTotal} by ${OTHER_COMMENTERS} others ` +
      `(${replyIds.length} of them replies to the subject, ${READ_COMMENTS} in the read thread) in ${(seedMs / 1000).toFixed(1)} s; ` +
      `the subject now has ${subjectTotal} comments`,
  );
  if (subjectTotal !== COMMENTS + 1)
    throw new Error(`expected ${COMMENTS + 1} comments by the subject, found ${subjectTotal}`);

  const listUrl = `${base}/api/v1/sites/${siteId}/comments?thread=${readThread}&limit=${READ_COMMENTS}`;
  const probeStart = performance.now();
  const probe = await fetch(listUrl, { signal: AbortSignal.timeout(60_000) });
  const visible = probe.ok ? ((await probe.json()) as { comments: unknown[] }).comments.length : 0;
  if (visible !== READ_COMMENTS)
    throw new Error(`the read thread shows ${visible} comments (status ${probe.status}), expected ${READ_COMMENTS}`);
  console.log(`one reader alone: GET the read thread took ${(performance.now() - probeStart).toFixed(0)} ms`);

  // --- 1. baseline before ------------------------------------------------------------------------
  const labels = new Map([
    [api.pid, 'api'],
    [worker.pid, 'worker'],
  ]);
  console.log(
    `\n== baseline before: GET the ${READ_COMMENTS}-comment thread, ${CONNECTIONS} connections, ${BASELINE_SECONDS} s, no erasure`,
  );
  const before = await timedLoad(
    'reads, no erasure (before)',
    listUrl,
    readHeaders,
    LEAD_IN_MS,
    BASELINE_SECONDS * 1000,
    labels,
    readCounters,
  );
  await settle();

  // --- 2. erasure under the read load -------------------------------------------------------------
  const erased = COMMENTS + 1;
  console.log(`\n== erasure of ${erased} comments in ${THREADS} threads under the same read load`);
  const load = startLoad(listUrl, readHeaders);
  await sleep(LEAD_IN_MS);
  life.throwIfStopping();
  const workerRssBeforeKb = readStatusKb(worker.pid, 'VmRSS');
  const peak = new PeakRss(worker.pid);
  const countersBefore = await readCounters();
  const cpuBefore = childTreeCpuTicks();
  const selfBefore = process.cpuUsage();
  const postStart = performance.now();
  const post = await fetch(`${base}/api/v1/sites/${siteId}/me/erasure`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${subjectToken}` },
    signal: AbortSignal.timeout(60_000),
  });
  const at202 = performance.now();
  const wall202 = Date.now();
  const postText = await post.text();
  if (post.status !== 202) throw new Error(`erasure request refused: ${post.status} ${postText}`);
  const accepted = JSON.parse(postText) as { id: string; status: string; receiptToken: string };
  const requestId = new Types.ObjectId(accepted.id);
  console.log(
    `   202 (${accepted.status}) in ${(at202 - postStart).toFixed(0)} ms; ` +
      `request ${accepted.id}; polling GET /api/v1/erasure-requests/{id}?token=… every ${POLL_MS} ms`,
  );
  const statusUrl = `${base}/api/v1/erasure-requests/${accepted.id}?token=${encodeURIComponent(accepted.receiptToken)}`;
  let view: ErasureView | undefined;
  let polls = 0;
  let pollErrors = 0;
  let nextProgress = at202 + 5000;
  for (;;) {
    life.throwIfStopping();
    polls++;
    try {
      const res = await fetch(statusUrl, { signal: AbortSignal.timeout(5000) });
      if (res.ok) view = (await res.json()) as ErasureView;
      else pollErrors++;
    } catch {
      pollErrors++;
    }
    if (view?.status === 'completed' || view?.status === 'cancelled') break;
    if (performance.now() - at202 > ERASURE_TIMEOUT_MS || !worker.alive) break;
    if (performance.now() >= nextProgress) {
      nextProgress += 5000;
      const doc = await erasureRequests.findOne({ _id: requestId }, { projection: { status: 1 } });
      console.log(
        `   … ${String(doc?.status ?? view?.status ?? 'unknown')} after ${((performance.now() - at202) / 1000).toFixed(0)} s; ` +
          `${(await erasedSoFar()).done} of ${erased} comments erased; ${load.samples.length} reads answered so far`,
      );
    }
    await sleep(POLL_MS);
  }
  const seenAt = performance.now();
  const countersAfter = await readCounters();
  load.instance.stop();
  const loadResult = await load.instance;
  const workerPeakKb = peak.stop();
  const erasureCpu = cpuShares(
    cpuBefore,
    childTreeCpuTicks(),
    cpuMicros(process.cpuUsage(selfBefore)),
    seenAt - at202,
    labels,
  );
  const doc = await erasureRequests.findOne({ _id: requestId });
  const completed = view?.status === 'completed' && !!doc?.completedAt;
  const startedAt = (doc?.startedAt as Date | null | undefined)?.getTime() ?? NaN;
  const createdAt = (doc?.createdAt as Date | undefined)?.getTime() ?? NaN;
  // 202 received → completedAt, both on this machine's clock; the poll only notices it later.
  const erasureMs = completed ? (doc.completedAt as Date).getTime() - wall202 : seenAt - at202;
  const progress = await erasedSoFar();
  const doneCount = completed ? erased : progress.done;
  const during = windowStats('reads during the erasure', load.samples, at202, at202 + erasureMs);
  const rate = doneCount / (erasureMs / 1000);
  // An unfinished run erased fewer than doneCount + one chunk in the window: an upper bound.
  const rateBound = completed ? rate : (doneCount + ERASURE_CHUNK) / (erasureMs / 1000);
  if (completed) {
    console.log(
      `   completed: ${(erasureMs / 1000).toFixed(2)} s from the 202 to completedAt ` +
        `(noticed by polling after ${((seenAt - at202) / 1000).toFixed(2)} s, ${polls} polls${pollErrors ? `, ${pollErrors} failed` : ''})`,
    );
    const runMs = (doc.completedAt as Date).getTime() - startedAt;
    console.log(
      `   request created → job started: ${startedAt - createdAt} ms; job started → completed: ${(runMs / 1000).toFixed(2)} s`,
    );
    console.log(
      `   ${rate.toFixed(0)} comments/s erased (from the 202); ${(erased / (runMs / 1000)).toFixed(0)} comments/s while the job ran`,
    );
  } else {
    const present = await Comments.countDocuments({ siteId, authorId: profileId });
    console.log(
      `   WARNING: NOT completed within ${ERASURE_TIMEOUT_MS / 1000} s (status ${view?.status ?? 'unknown'}, worker ${worker.alive ? 'alive' : 'DEAD'}, ` +
        `${polls} polls, ${pollErrors} failed): ${doneCount} of ${erased} comments erased in finished chunks of ${ERASURE_CHUNK}` +
        `${progress.open ? ', one more step in progress' : ''}; ${present} still carry the subject's id. ` +
        `That is ${doneCount ? `${rate.toFixed(1)} comments/s, so all ${erased} would take about ${(erased / rate / 60).toFixed(0)} min` : `below ${rateBound.toFixed(1)} comments/s`}`,
    );
    if (Number.isFinite(startedAt)) console.log(`   request created → job started: ${startedAt - createdAt} ms`);
  }
  console.log(
    `   receipt${completed ? '' : ' so far'}: ${formatCounts((completed ? view?.receipt : doc?.receipt) ?? {})}`,
  );
  printStats(during);
  console.log(
    `   whole load run incl. the ${LEAD_IN_MS / 1000} s lead-in (autocannon's own figures): ${loadResult.requests.average.toFixed(1)} req/s, ` +
      `p50 ${loadResult.latency.p50} ms, p99 ${loadResult.latency.p99} ms, errors ${loadResult.errors}, timeouts ${loadResult.timeouts}`,
  );
  console.log(
    `   worker RSS ${kbToMb(workerRssBeforeKb)} MB before the request; peak during the erasure ${(workerPeakKb / 1024).toFixed(1)} MB` +
      `${peak.exact ? ' (VmHWM, reset before the request)' : ' (VmRSS sampled every 100 ms; VmHWM could not be reset)'}`,
  );
  if (erasureCpu)
    console.log(
      `   CPU during the erasure (100% = one core, ${os.cpus().length} cores; the database with its PostgreSQL backends): ${erasureCpu}`,
    );
  printCounters(countersBefore, countersAfter, (seenAt - at202) / 1000);
  const workerCommands =
    countersBefore.worker && countersAfter.worker
      ? counterTotal(
          counterGrowth(
            countersBefore.worker.get('database_commands_total'),
            countersAfter.worker.get('database_commands_total'),
          ),
        )
      : NaN;
  const perComment = workerCommands / doneCount;
  console.log(
    `   database round trips of the worker per erased comment: ${Number.isFinite(perComment) ? perComment.toFixed(3) : 'unknown'}` +
      ` (${workerCommands} commands for ${doneCount} comments, its idle background work included)`,
  );

  // --- checks ----------------------------------------------------------------------------------------
  const problems: string[] = [];
  let after: WindowStats | undefined;
  if (completed) {
    const remaining = await Comments.countDocuments({ siteId, authorId: profileId });
    const remainingText = await Comments.countDocuments({ siteId, body: { $regex: MARKER } });
    const profileLeft = await Commenters.countDocuments({ siteId, $or: [{ _id: profileId }, { sub: subjectSub }] });
    const tombstones = await Comments.countDocuments({
      siteId,
      _id: { $in: repliedTo },
      status: 'removed',
      body: '',
      authorId: null,
      ipHash: null,
    });
    const repliesLeft = await Comments.countDocuments({ siteId, _id: { $in: replyIds }, parentId: { $in: repliedTo } });
    const othersLeft = await Comments.countDocuments({ siteId, authorId: { $in: others.map((o) => o._id) } });
    const firstLeft = await Comments.countDocuments({ _id: firstId });
    console.log(
      `   check: ${remaining} comments by the subject remain, ${remainingText} with their text; profile ${profileLeft ? 'STILL THERE' : 'gone'}`,
    );
    console.log(
      `   check: ${tombstones} of ${repliedTo.length} replied-to comments are tombstones; ${repliesLeft} of ${replyIds.length} replies by others ` +
        `kept their parent; ${othersLeft} of ${otherTotal} comments by others remain`,
    );
    if (remaining) problems.push(`${remaining} comments by the subject remain`);
    if (remainingText) problems.push(`${remainingText} comments still hold the subject's text`);
    if (firstLeft) problems.push('the comment posted through the API remains');
    if (profileLeft) problems.push('the profile remains');
    if (tombstones !== repliedTo.length) problems.push(`${tombstones} tombstones, expected ${repliedTo.length}`);
    if (repliesLeft !== replyIds.length)
      problems.push(`${repliesLeft} replies by others kept their parent, expected ${replyIds.length}`);
    if (othersLeft !== otherTotal) problems.push(`${otherTotal - othersLeft} comments by others disappeared`);
    const receipt = view?.receipt ?? {};
    const expected: Record<string, number> = {
      comments_deleted: erased - repliedTo.length,
      comments_tombstoned: repliedTo.length,
      ip_hashes: erased,
      profile: 1,
    };
    for (const [k, v] of Object.entries(expected)) {
      if (receipt[k] !== v) problems.push(`receipt ${k} is ${receipt[k] ?? 'missing'}, expected ${v}`);
    }
    if (problems.length) console.log(`   WARNING: ${problems.join('; ')}`);
    else
      console.log(
        '   every check passed: nothing of the subject is left, tombstones and replies are as expected, the receipt adds up',
      );

    // --- 3. baseline after ---------------------------------------------------------------------------
    await settle();
    console.log(
      `\n== baseline after: the same read load for the same lead-in and window (${(erasureMs / 1000).toFixed(1)} s), no erasure`,
    );
    after = await timedLoad(
      'reads, no erasure (after)',
      listUrl,
      readHeaders,
      LEAD_IN_MS,
      erasureMs,
      labels,
      readCounters,
    );
  } else {
    problems.push(`the erasure did not complete within ${ERASURE_TIMEOUT_MS / 1000} s (BENCH_ERASURE_TIMEOUT)`);
    console.log('\n(no baseline after: the erasure is still running in the worker)');
  }

  for (const child of [api, worker]) {
    if (child.messages.size)
      console.log(
        `${child.role} log lines by message: ${[...child.messages].map(([m, c]) => `"${m}" ×${c}`).join(', ')}`,
      );
  }

  // --- report ------------------------------------------------------------------------------------------
  const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
  console.log('');
  console.log(
    `Results (erasure of ${erased.toLocaleString('en')} comments by one commenter in ${THREADS} threads, ${repliedTo.length} of them tombstoned, ` +
      `${otherTotal.toLocaleString('en')} comments by others; read load GET ${READ_COMMENTS}-comment thread ${READ_LOGGED_IN ? 'logged in' : 'anonymous'}, ${CONNECTIONS} connections, ` +
      `latency and req/s over the erasure's window):`,
  );
  console.log('');
  console.log(
    '| scenario | erasure s | comments/s | DB round trips per comment | read req/s | read p50 ms | read p99 ms | read non-2xx | worker peak RSS MB |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const baselineRow = (s: WindowStats) =>
    console.log(
      `| ${s.name}, ${f1(s.seconds)} s | – | – | – | ${f1(s.reqPerSec)} | ${f1(s.p50)} | ${f1(s.p99)} | ${s.failed} | – |`,
    );
  baselineRow(before);
  console.log(
    `| reads during the erasure${completed ? '' : ` (INCOMPLETE: ${doneCount} of ${erased} erased)`}, ${f1(during.seconds)} s | ` +
      `${completed ? '' : '> '}${(erasureMs / 1000).toFixed(2)} | ${completed ? rate.toFixed(0) : `< ${rateBound.toFixed(1)}`} | ` +
      `${Number.isFinite(perComment) ? perComment.toFixed(2) : '–'} | ${f1(during.reqPerSec)} | ${f1(during.p50)} | ${f1(during.p99)} | ` +
      `${during.failed} | ${(workerPeakKb / 1024).toFixed(1)} |`,
  );
  if (after) baselineRow(after);
  console.log('');
  console.log(
    `Receipt: ${formatCounts((completed ? view?.receipt : doc?.receipt) ?? {})}${completed ? '' : ' (so far)'}.`,
  );
  console.log(machineLine(database, ['API', '1 worker', ...services.local, 'bench client']));
  console.log('');
  console.log('Summary:');
  console.log(
    `  erasure: ${doneCount.toLocaleString('en')} comments in ${(erasureMs / 1000).toFixed(1)} s = ` +
      `${completed ? rate.toFixed(0) : `< ${rateBound.toFixed(1)}`} comments/s${completed ? '' : ' (INCOMPLETE)'}; ` +
      `${Number.isFinite(perComment) ? perComment.toFixed(2) : 'unknown'} database round trips of the worker per erased comment`,
  );
  const ratio = during.p99 / before.p99;
  console.log(
    `  readers before the erasure: ${f1(before.reqPerSec)} req/s, p99 ${f1(before.p99)} ms; ` +
      `during it: ${f1(during.reqPerSec)} req/s, p99 ${f1(during.p99)} ms ` +
      `(p99 during / before ${Number.isFinite(ratio) ? ratio.toFixed(2) : '–'}×, ${ratio <= 2 ? 'within' : 'ABOVE'} 2×)`,
  );
  if (after) console.log(`  readers after it: ${f1(after.reqPerSec)} req/s, p99 ${f1(after.p99)} ms`);
  console.log('');

  if (completed) {
    await settle(30_000);
  } else {
    // A worker in the middle of an erasure step waits for it before exiting; the job is resumable.
    console.log('stopping the worker, which is in the middle of an erasure step: it gets 3 s, then it is killed');
    await worker.stop(3000);
    await settle(30_000);
  }
  await life.cleanup();
  await removeExternalData(services, siteId, queuePrefix);
  console.log(`bench finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (problems.length) throw new Error(`checks failed: ${problems.join('; ')}`);
}

interface ErasureView {
  id: string;
  status: string;
  completedAt: string | null;
  receipt: Record<string, number> | null;
}

interface Load {
  instance: autocannon.Instance;
  /** Every response and every error (status 0), with its arrival time. */
  samples: Sample[];
}

/** Starts the read load; it runs until stopped (autocannon's own duration is only a backstop). */
function startLoad(url: string, headers: Record<string, string>): Load {
  const samples: Sample[] = [];
  const instance = autocannon({
    url,
    headers,
    connections: CONNECTIONS,
    timeout: READ_TIMEOUT_S,
    duration: Math.ceil((ERASURE_TIMEOUT_MS + LEAD_IN_MS) / 1000) + BASELINE_SECONDS + 30,
    renderProgressBar: false,
    renderResultsTable: false,
    renderLatencyTable: false,
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    samples.push({ at: performance.now(), ms, status });
  });
  instance.on('reqError', () => {
    samples.push({ at: performance.now(), ms: NaN, status: 0 });
  });
  life.track(instance);
  return { instance, samples };
}

/** Runs the read load for leadInMs + windowMs and returns its statistics over the window. */
async function timedLoad(
  name: string,
  url: string,
  headers: Record<string, string>,
  leadInMs: number,
  windowMs: number,
  labels: Map<number, string>,
  readCounters: () => Promise<Counters>,
): Promise<WindowStats> {
  const load = startLoad(url, headers);
  await sleep(leadInMs);
  const from = performance.now();
  const countersBefore = await readCounters();
  const cpuBefore = childTreeCpuTicks();
  const selfBefore = process.cpuUsage();
  await sleep(windowMs);
  const to = performance.now();
  const cpu = cpuShares(cpuBefore, childTreeCpuTicks(), cpuMicros(process.cpuUsage(selfBefore)), to - from, labels);
  const countersAfter = await readCounters();
  load.instance.stop();
  await load.instance;
  life.throwIfStopping();
  const stats = windowStats(name, load.samples, from, to);
  printStats(stats);
  if (cpu) console.log(`   CPU (100% = one core; the database with its PostgreSQL backends): ${cpu}`);
  printCounters(countersBefore, countersAfter, (to - from) / 1000);
  return stats;
}

/** Counters scraped from the worker's and the API's /metrics. */
interface Counters {
  worker: Map<string, Map<string, number>> | undefined;
  api: Map<string, Map<string, number>> | undefined;
}

/** The database commands of the worker and the API, and the page cache's results, over a window. */
function printCounters(before: Counters, after: Counters, seconds: number): void {
  const commands = (c: Counters['worker']) => c?.get('database_commands_total');
  for (const [role, b, a] of [
    ['worker', before.worker, after.worker],
    ['API', before.api, after.api],
  ] as const) {
    if (!commands(b) || !commands(a)) {
      console.log(`   ${role} database commands: unknown (its /metrics could not be read)`);
      continue;
    }
    const grew = counterGrowth(commands(b), commands(a));
    const total = counterTotal(grew);
    console.log(`   ${role} database commands: ${total} (${(total / seconds).toFixed(1)}/s): ${formatCounter(grew)}`);
  }
  const cache = counterGrowth(before.api?.get('public_page_cache_total'), after.api?.get('public_page_cache_total'));
  if (after.api) console.log(`   API page cache: ${formatCounter(cache)}`);
}

/** Responses that arrived within [from, to]: req/s over the window, latency of the 2xx ones. */
function windowStats(name: string, samples: Sample[], from: number, to: number): WindowStats {
  const inWindow = samples.filter((s) => s.at >= from && s.at <= to);
  const ms = inWindow
    .filter((s) => s.status >= 200 && s.status < 300)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const seconds = (to - from) / 1000;
  return {
    name,
    seconds,
    responses: inWindow.length,
    reqPerSec: ms.length / seconds,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: ms[ms.length - 1] ?? NaN,
    failed: inWindow.length - ms.length,
  };
}

function printStats(s: WindowStats): void {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
  console.log(
    `   ${s.name}: ${s.responses - s.failed} answers 2xx in ${s.seconds.toFixed(2)} s = ${s.reqPerSec.toFixed(1)} req/s; ` +
      `latency p50 ${f(s.p50)} ms, p99 ${f(s.p99)} ms, max ${f(s.max)} ms; non-2xx or failed ${s.failed}`,
  );
  if (s.responses === 0) {
    console.log(
      `   WARNING: no read was answered within the ${s.seconds.toFixed(1)} s window: with ${CONNECTIONS} connections every read took longer`,
    );
  }
}

/**
 * After a load is stopped the API still finishes the requests it had (their clients are
 * gone): waits until the processes started here use less than 15% of a core for a second,
 * at most maxMs, so that leftover work does not spill into the next measurement (and the
 * API is not shut down under it).
 */
async function settle(maxMs = 60_000): Promise<void> {
  const t0 = Date.now();
  let prev = childCpuTicks();
  let quiet = 0;
  while (Date.now() - t0 < maxMs) {
    await sleep(500);
    life.throwIfStopping();
    const now = childCpuTicks();
    let ticks = 0;
    for (const [pid, { ticks: t }] of now) ticks += t - (prev.get(pid)?.ticks ?? t);
    prev = now;
    if ((ticks * 10) / 500 < 0.15) {
      if (++quiet >= 2) {
        console.log(`   (idle again ${((Date.now() - t0) / 1000).toFixed(1)} s after the load stopped)`);
        return;
      }
    } else {
      quiet = 0;
    }
  }
  console.log(`   WARNING: still busy ${maxMs / 1000} s after the load stopped; going on anyway`);
}

/** Polls `done` every 200 ms until it is true or timeoutMs has passed. */
async function waitFor(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline || life.stopping) return false;
    await sleep(200);
  }
}

life.run(main, HARD_LIMIT_MS, (err) => /^checks failed/.test(err.message));
