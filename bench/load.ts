/**
 * Load benchmark (npm run bench): the API as its own process (dist/src/server.js) plus a
 * worker process (dist/workers/worker.js), over loopback.
 *
 * Reads, driven by wrk and interleaved round after round (BENCH_ROUNDS, default 3):
 *   1. GET /api/v1/sites/{id}/thread?key=…&include=comments&limit=50, the widget's request
 *      for a thread of 50 published comments, anonymous (answered from memory);
 *   2. the same with a commenter's token (a reader with nothing of their own in the thread);
 *   3. the ceiling: a bare node:http server in its own process (bench/ceiling-server.ts)
 *      answering every request with the bytes the API gave for (1).
 * Each read's figures are its median round, with its share of the ceiling.
 *
 * Writes, driven by autocannon: POST /api/v1/sites/{id}/comments with signed commenter
 * JWTs of many commenters, and the database round trips the API made per post (its
 * database_commands_total counter).
 *
 * Uses MONGODB_URI / REDIS_URL when set, otherwise starts embedded servers. Prints
 * req/s, latency p50/p99 and the API process's peak RSS, then markdown tables for the README.
 *
 * Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 20), BENCH_ROUNDS,
 * BENCH_COMMENTERS (default 500), BENCH_CHILD_LOG_LEVEL (API and worker log level, default
 * silent; their logs are then printed with an [api] / [worker] prefix).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import type { Connection } from 'mongoose';
import { freePort } from '../src/dev/free-port';
import { GenerationFeed } from '../src/infra/generation-feed';
import { RedisConnections } from '../src/infra/redis';
import { SiteGenerations } from '../src/infra/site-generations';
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
  childTreeCpuTicks,
  cpuMicros,
  commandsPer,
  cpuShares,
  createSite,
  databaseCommands,
  formatCounts,
  letters,
  moderationQueueCounts,
  NodeChild,
  PeakRss,
  positiveInt,
  readStatusKb,
  sleep,
  waitReady,
  WORKER_ENTRY,
} from './bench-support';
import { runWrk, WrkOptions } from './wrk';

const SECONDS = positiveInt(process.env.BENCH_SECONDS, 10);
const CONNECTIONS = positiveInt(process.env.BENCH_CONNECTIONS, 20);
// Many commenters, so that the worker's per-commenter burst rule (more than 4 comments in
// 2 minutes is held) does not turn the write scenario into a spam test.
const COMMENTERS = positiveInt(process.env.BENCH_COMMENTERS, 500);
const SEED_COMMENTS = 50;
/** Rounds of the interleaved reads; each read's figures are its median round. */
const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, 3);
const WRK_THREADS = 2;
/** The host page the widget runs on, as its requests' Origin. */
const ORIGIN = 'https://bench.example';
const CEILING_ENTRY = path.join(__dirname, 'ceiling-server.js');
const HOST = '127.0.0.1';
/** The whole run is abandoned (children killed, exit 1) after this long. */
const HARD_LIMIT_MS = (3 * ROUNDS + 2) * SECONDS * 1000 + 180_000;

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

/** Everything this run started; the API and worker get 10 s to stop. */
const life = new Lifecycle();

async function main(): Promise<void> {
  const started = Date.now();
  assertBuilt();

  // --- backing services -------------------------------------------------------------
  const services = await startBackingServices(life);
  // The bench's own connection: database kind, and checking what the worker decided.
  const { db, database } = await connectBench(life, services);
  const comments = db.collection('comments');

  // --- API and worker processes ------------------------------------------------------
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const adminKey = randomBytes(24).toString('hex');
  const queuePrefix = `bench-${randomBytes(4).toString('hex')}`;
  const childEnv = childEnvironment(services, {
    port,
    base,
    adminKey,
    queuePrefix,
    logLevel: process.env.BENCH_CHILD_LOG_LEVEL ?? 'silent',
  });
  // Every line the children print is passed through (their level is silent by default).
  const api = life.spawn('api', API_ENTRY, childEnv, { maxPrintedLines: Infinity });
  const worker = life.spawn('worker', WORKER_ENTRY, childEnv, { maxPrintedLines: Infinity });
  await waitReady(base, api, 30_000);
  console.log(`API pid ${api.pid} listening on ${base}; worker pid ${worker.pid}`);

  // --- site, commenters, seeded thread -------------------------------------------------
  const siteId = `bench-${randomBytes(4).toString('hex')}`;
  const sign = await createSite(base, adminKey, siteId, {
    name: 'Benchmark',
    origins: [ORIGIN],
    rateLimits: { commentsPerCommenterPerMinute: 10_000, commentsPerIpPerMinute: 100_000 },
  });
  const tokens = await Promise.all(
    Array.from({ length: COMMENTERS }, (_, i) => sign(`bench-user-${i}`, `Bench User ${i}`)),
  );

  const readThread = 'bench-read';
  const commentsPath = `/api/v1/sites/${siteId}/comments`;
  const listPath = `${commentsPath}?thread=${encodeURIComponent(readThread)}&limit=${SEED_COMMENTS}`;
  const seedStart = Date.now();
  await seedThread(base + commentsPath, readThread, tokens);
  const published = await waitSeedDecided(
    base,
    listPath,
    SEED_COMMENTS,
    20_000,
    async () => (await awaitingEnqueue(db, { siteId, threadKey: readThread, status: 'pending' })).size,
  );
  if (published < SEED_COMMENTS) {
    const outcome = await moderationOutcome(db, siteId, readThread);
    console.log(
      `WARNING: only ${published} of ${SEED_COMMENTS} seed comments were published by the worker (${formatCounts(outcome)}). ` +
        'Publishing the rest directly in the database for the read scenario.',
    );
    await comments.updateMany(
      { siteId, threadKey: readThread, status: 'pending' },
      { $set: { status: 'published', held: false, updatedAt: new Date() } },
    );
    // Written behind the API's back, so the API's page cache must be told: a new
    // generation, pushed as any writing process pushes it.
    const redis = new RedisConnections(services.redisUrl);
    const feed = new GenerationFeed(redis.commands, redis.dedicated('bench-feed'), queuePrefix, false);
    await new SiteGenerations(redis.commands, queuePrefix, feed).renew([siteId], 5000);
    await feed.close();
    await redis.close();
    const now = await waitPublished(base + listPath, SEED_COMMENTS, 5_000);
    if (now < SEED_COMMENTS) throw new Error(`only ${now} of ${SEED_COMMENTS} seed comments visible after repair`);
  }
  console.log(`seeded ${SEED_COMMENTS} published comments in ${Date.now() - seedStart} ms`);
  console.log(`API RSS before the scenarios: ${((readStatusKb(api.pid, 'VmRSS') ?? 0) / 1024).toFixed(1)} MB`);

  // --- reads, interleaved with the ceiling ----------------------------------------------
  // The widget's request, anonymous (answered from memory) and with a login, and a bare
  // node:http server in its own process replaying the anonymous answer's exact bytes: the
  // most any Node server could do with that answer on this machine. Taken in turn, round
  // after round, so that a slow phase of the machine falls on all three alike.
  const widgetPath = `/api/v1/sites/${siteId}/thread?key=${encodeURIComponent(readThread)}&include=comments&limit=${SEED_COMMENTS}`;
  const ceilingPort = await freePort();
  const ceilingFile = await recordResponse(base + widgetPath, ORIGIN);
  const ceiling = life.spawn('ceiling', CEILING_ENTRY, process.env, { maxPrintedLines: 5 }, [
    ceilingFile,
    String(ceilingPort),
  ]);
  await waitReady(`http://${HOST}:${ceilingPort}`, ceiling, 10_000);
  const labels = new Map([
    [api.pid, 'api'],
    [worker.pid, 'worker'],
    [ceiling.pid, 'ceiling'],
  ]);
  const reads: Array<{ name: string; url: string; headers: Record<string, string> }> = [
    { name: 'widget read, anonymous', url: base + widgetPath, headers: { Origin: ORIGIN } },
    {
      name: 'widget read, logged in',
      url: base + widgetPath,
      headers: { Origin: ORIGIN, Authorization: `Bearer ${tokens[COMMENTERS - 1]}` },
    },
    { name: 'ceiling: bare node:http, same bytes', url: `http://${HOST}:${ceilingPort}${widgetPath}`, headers: {} },
  ];
  const readRuns = new Map<string, ReadRun[]>(reads.map((r) => [r.name, []]));
  const readRss = new PeakRss(api.pid);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const read of reads) {
      life.throwIfStopping();
      const run = await readScenario(`${read.name} (round ${round} of ${ROUNDS})`, labels, {
        url: read.url,
        headers: read.headers,
        seconds: SECONDS,
        connections: CONNECTIONS,
        threads: WRK_THREADS,
      });
      readRuns.get(read.name)?.push(run);
      if (!api.alive) throw new Error(`API process died during "${read.name}"`);
    }
  }
  const readPeakRssMb = readRss.stop() / 1024;
  const medians = reads.map((r) => medianRun(r.name, readRuns.get(r.name) ?? []));
  const [anonymous, loggedIn, bare] = medians as [ReadRun, ReadRun, ReadRun];

  const results: ScenarioResult[] = [];
  let sent = 0;
  const commandsBefore = await databaseCommands(base);
  results.push(
    await scenario('POST comment', api, labels, {
      url: base + commentsPath,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          path: commentsPath,
          headers: { 'Content-Type': 'application/json' },
          setupRequest: (request) => {
            const n = sent++;
            return {
              ...request,
              headers: { ...request.headers, Authorization: `Bearer ${tokens[n % tokens.length]}` },
              body: JSON.stringify({
                thread: 'bench-write',
                body: `Benchmark comment ${letters(n)}: a short remark about the article.`,
              }),
            };
          },
        },
      ],
    }),
  );

  const commandsAfter = await databaseCommands(base);
  const posted = results[0]?.statusCodes['201'] ?? 0;
  const postRoundTrips = commandsPer(commandsBefore, commandsAfter, posted);

  // What the worker made of the POST scenario's comments, once the queue has drained.
  const backlog = await moderationQueueCounts(base);
  if (backlog) console.log(`moderation queue right after the POST scenario: ${formatCounts(backlog)}`);
  const drained = await waitQueueDrained(base, 15_000);
  const decided = await moderationOutcome(db, siteId, 'bench-write');
  const created = Object.values(decided).reduce((a, b) => a + b, 0);
  const answered = results.find((r) => r.name === 'POST comment')?.statusCodes['201'] ?? 0;
  console.log(
    `POST scenario created ${created} comments (${answered} answered 201 within the run; the rest were in flight when it ended)`,
  );
  console.log(
    `moderation outcome${drained ? ' once the queue drained' : ' (queue NOT drained within 15 s)'}: ${formatCounts(decided)}`,
  );
  const lost = decided['pending, undecided'] ?? 0;
  if (drained && lost > 0) {
    console.log(
      `WARNING: ${lost} POST scenario comments are pending, not held, with their job already taken (no outbox entry): their moderation decision was lost.`,
    );
  }

  // --- report ------------------------------------------------------------------------------
  const ratio = (a: number, b: number) => `${((100 * a) / b).toFixed(0)} %`;
  console.log('');
  console.log(
    `Reads: medians of ${ROUNDS} interleaved rounds of ${SECONDS} s, wrk ${WRK_THREADS} threads, ${CONNECTIONS} connections; ` +
      `API peak RSS over all of them ${readPeakRssMb.toFixed(1)} MB`,
  );
  console.log('');
  console.log('| read | req/s | p50 ms | p99 ms | of the ceiling |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of medians) {
    console.log(
      `| ${r.name} | ${r.reqPerSec.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${ratio(r.reqPerSec, bare.reqPerSec)} |`,
    );
  }
  console.log('');
  console.log(
    `anonymous / ceiling: ${ratio(anonymous.reqPerSec, bare.reqPerSec)}; logged in / anonymous: ${ratio(loggedIn.reqPerSec, anonymous.reqPerSec)}`,
  );
  console.log('');
  console.log(`Writes (${SECONDS} s, ${CONNECTIONS} connections, ${COMMENTERS} commenters):`);
  console.log('');
  console.log('| scenario | req/s | p50 ms | p99 ms | non-2xx | API peak RSS MB |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.reqPerSec.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.peakRssMb.toFixed(1)} |`,
    );
  }
  console.log('');
  console.log(`database round trips per post (API process, ${posted} posts): ${postRoundTrips}`);
  console.log('');
  console.log(machineLine(database, ['API', 'worker', ...services.local, 'autocannon']));
  console.log('');

  await life.cleanup();
  await removeExternalData(services, siteId, queuePrefix);
  console.log(`bench finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Runs one autocannon scenario while tracking the API process's peak RSS; `labels` names the API and worker pids. */
async function scenario(
  name: string,
  api: NodeChild,
  labels: Map<number, string>,
  options: autocannon.Options,
): Promise<ScenarioResult> {
  life.throwIfStopping();
  console.log(`\n== ${name}: ${options.duration} s, ${options.connections} connections`);
  const rss = new PeakRss(api.pid);
  const cpuBefore = childTreeCpuTicks();
  const selfBefore = process.cpuUsage();
  const startedAt = Date.now();
  const result = await life.track(
    autocannon({ ...options, renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false }),
  );
  life.throwIfStopping();
  const peakRssMb = rss.stop() / 1024;
  const cpu = cpuShares(
    cpuBefore,
    childTreeCpuTicks(),
    cpuMicros(process.cpuUsage(selfBefore)),
    Date.now() - startedAt,
    labels,
    'bench/autocannon',
  );
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
  console.log(
    `   non-2xx: ${out.non2xx}   status codes: ${JSON.stringify(statusCodes)}   errors: ${out.errors}   timeouts: ${out.timeouts}`,
  );
  console.log(
    `   API peak RSS: ${peakRssMb.toFixed(1)} MB${rss.exact ? ' (VmHWM, reset before the scenario)' : ' (VmRSS sampled every 100 ms)'}`,
  );
  if (cpu) console.log(`   CPU of this run's processes (100% = one core): ${cpu}`);
  if (!api.alive) throw new Error(`API process died during "${name}"`);
  return out;
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
        body: JSON.stringify({
          thread,
          body: `Seed comment ${letters(n)}: a short, ordinary remark about the article.`,
          threadTitle: 'Benchmark thread',
        }),
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
      ? ((await res.json()) as { comments: Array<{ status: string }> }).comments.filter((c) => c.status === 'published')
          .length
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
  base: string,
  listPath: string,
  count: number,
  timeoutMs: number,
  awaitingSweep: () => Promise<number>,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  let settledPolls = 0;
  while (Date.now() < deadline) {
    seen = await waitPublished(base + listPath, count, 0);
    if (seen >= count) return seen;
    const queue = await moderationQueueCounts(base);
    const queueEmpty = !!queue && (queue.waiting ?? 0) + (queue.active ?? 0) + (queue.delayed ?? 0) === 0;
    settledPolls = queueEmpty && (await awaitingSweep()) === 0 ? settledPolls + 1 : 0;
    if (settledPolls >= 5) return seen; // a second with nothing left to decide
    await sleep(200);
  }
  return seen;
}

/** Waits until the moderation queue has no waiting, active or delayed jobs. */
async function waitQueueDrained(base: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const c = await moderationQueueCounts(base);
    if (c && (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0) return true;
    await sleep(250);
  }
  return false;
}

/**
 * What moderation made of a thread's comments: published, rejected, held (pending for a
 * person, with the rules that fired), "pending, undecided" (the job was taken but the
 * comment shows no decision) and "pending, awaiting enqueue" (still in the outbox).
 */
async function moderationOutcome(db: Connection, siteId: string, threadKey: string): Promise<Record<string, number>> {
  const docs = await db
    .collection('comments')
    .find({ siteId, threadKey }, { projection: { status: 1, held: 1, rules: 1 } })
    .toArray();
  const outbox = await awaitingEnqueue(db, { siteId, threadKey, status: 'pending' });
  const counts: Record<string, number> = {};
  const add = (k: string) => {
    counts[k] = (counts[k] ?? 0) + 1;
  };
  for (const d of docs) {
    if (d.status !== 'pending') add(String(d.status));
    else if (d.held)
      add(
        `held (${(d.rules as Array<{ rule: string }> | undefined)?.map((r) => r.rule).join('+') || 'pre-moderation'})`,
      );
    else if (outbox.has(String(d._id))) add('pending, awaiting enqueue');
    else add('pending, undecided');
  }
  return counts;
}

interface ReadRun {
  name: string;
  reqPerSec: number;
  p50: number;
  p99: number;
}

/** One wrk run of a read; prints its figures and the CPU each process took meanwhile. */
async function readScenario(name: string, labels: Map<number, string>, options: WrkOptions): Promise<ReadRun> {
  console.log(`\n== ${name}: ${options.seconds} s, ${options.connections} connections`);
  const cpuBefore = childTreeCpuTicks();
  const startedAt = Date.now();
  const result = await runWrk(options);
  const cpu = cpuShares(cpuBefore, childTreeCpuTicks(), 0, Date.now() - startedAt, labels, 'bench');
  console.log(
    `   requests/s: ${result.reqPerSec.toFixed(0)}   responses: ${result.total}   latency p50: ${result.p50.toFixed(2)} ms   p99: ${result.p99.toFixed(2)} ms`,
  );
  console.log(`   non-2xx/3xx: ${result.non2xx}   socket errors and timeouts: ${result.errors}`);
  if (cpu) console.log(`   CPU (100% = one core): ${cpu}`);
  if (result.non2xx > 0) throw new Error(`"${name}" had ${result.non2xx} answers outside 2xx/3xx`);
  return { name, reqPerSec: result.reqPerSec, p50: result.p50, p99: result.p99 };
}

/** The run with the median rate, for a read's figures (its latencies come with it). */
function medianRun(name: string, runs: ReadRun[]): ReadRun {
  const sorted = [...runs].sort((a, b) => a.reqPerSec - b.reqPerSec);
  const median = sorted[Math.floor(sorted.length / 2)];
  if (!median) throw new Error(`no runs of "${name}"`);
  return { ...median, name };
}

/**
 * Asks the API once for the widget's read and writes what came back (status, headers as
 * sent, body) to a file for the ceiling server. Headers a server adds per answer (Date,
 * Connection, Keep-Alive) are left to the ceiling's own node:http, as the API's are.
 */
async function recordResponse(url: string, origin: string): Promise<string> {
  const res = await fetch(url, { headers: { Origin: origin } });
  if (res.status !== 200) throw new Error(`the widget read answered ${res.status}`);
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name))
      headers[name] = value;
  });
  const body = Buffer.from(await res.arrayBuffer());
  const file = path.join(os.tmpdir(), `kommentarer-ceiling-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify({ status: res.status, headers, bodyBase64: body.toString('base64') }));
  life.onStop(async () => fs.rmSync(file, { force: true }));
  return file;
}

life.run(main, HARD_LIMIT_MS);
