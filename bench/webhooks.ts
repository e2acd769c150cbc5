/**
 * Webhook benchmark (npm run bench:webhooks): how many deliveries one worker process
 * makes per second to a receiver on loopback, and how long an event takes from
 * recordEvents (the change) to its receipt.
 *
 * The API runs as its own process (dist/src/server.js, used to create the site and the
 * webhook through the admin API) and ONE worker as another (dist/workers/worker.js). The
 * receiver is a node:http server in this process that answers 204 and notes when each
 * event id arrived and whether its signature verifies. Events are recorded from this
 * process with recordEvents, as the cause modules do, with the Redis hint published as an
 * API process publishes it (so the worker's dispatcher is woken, not left to its poll).
 *
 * The children run with NODE_ENV=test: in production a destination must be https and
 * public, and this receiver is plain http on 127.0.0.1; nothing on the delivery path
 * depends on NODE_ENV otherwise.
 *
 *   1. Throughput: BENCH_EVENTS events recorded in batches of 100 as fast as the database
 *      takes them; deliveries/s from the first record to the last receipt, and the
 *      record-to-receipt p50/p95 (which here includes queueing behind the others).
 *   2. Latency: BENCH_RATE events a second, one per recordEvents, for BENCH_SECONDS:
 *      record-to-receipt p50/p95 of an event on its own.
 *   3. Ceiling: the same HTTP client code (sendDelivery: a fresh pinned undici Agent per
 *      delivery, no keep-alive) POSTing signed bodies straight to the receiver, as many at
 *      once as the worker's WEBHOOK_CONCURRENCY, for as many deliveries as phase 1: what
 *      the worker's bookkeeping (claims, attempt records, the feed) costs beyond the HTTP.
 *
 * Peak RSS of the worker over phases 1 and 2. Checks that each event arrived exactly once
 * and every signature verified; exits 1 otherwise.
 *
 * Uses MONGODB_URI / REDIS_URL when set, otherwise embedded servers (FerretDB on a
 * private PostgreSQL cluster when installed, as the other benchmarks do).
 *
 * Environment: BENCH_EVENTS (default 2000), BENCH_RATE (default 20), BENCH_SECONDS
 * (default 10), BENCH_CONCURRENCY (the worker's WEBHOOK_CONCURRENCY, default 16),
 * BENCH_DRAIN_SECONDS (default 120), BENCH_CHILD_LOG_LEVEL (default warn).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import mongoose from 'mongoose';
import { freePort } from '../src/dev/free-port';
import { RedisConnections } from '../src/infra/redis';
import { publishEventHints } from '../src/modules/events/event-hints';
import { eventIdOf, NewEvent, recordEvents } from '../src/modules/events/record-events';
import { sendDelivery } from '../src/modules/webhooks/webhook-send';
import { signatureHeader, verifySignature } from '../src/modules/webhooks/webhook-signature';
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
  commandsPer,
  createSite,
  databaseCommands,
  kbToMb,
  PeakRss,
  percentile,
  positiveInt,
  sleep,
  waitReady,
  WORKER_ENTRY,
} from './bench-support';

const EVENTS = positiveInt(process.env.BENCH_EVENTS, 2000);
const RATE = positiveInt(process.env.BENCH_RATE, 20);
const SECONDS = positiveInt(process.env.BENCH_SECONDS, 10);
const CONCURRENCY = positiveInt(process.env.BENCH_CONCURRENCY, 16);
const DRAIN_MS = positiveInt(process.env.BENCH_DRAIN_SECONDS, 120) * 1000;
const BATCH = 100;

interface Receipt {
  at: number;
  count: number;
  signed: boolean;
}

class Receiver {
  readonly receipts = new Map<string, Receipt>();
  secret = '';
  private server: http.Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = performance.now();
        const body = Buffer.concat(chunks).toString('utf8');
        let id = '';
        try {
          id = (JSON.parse(body) as { id: string }).id;
        } catch {
          // counted as unsigned below
        }
        const signed =
          !!this.secret && verifySignature(req.headers['kommentarer-signature'] as string, this.secret, body).ok;
        const seen = this.receipts.get(id);
        if (seen) seen.count++;
        else this.receipts.set(id, { at, count: 1, signed });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

function stats(latencies: number[]): { p50: number; p95: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

async function waitFor(receiver: Receiver, ids: string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ids.every((id) => receiver.receipts.has(id))) return true;
    await sleep(20);
  }
  return false;
}

async function main(life: Lifecycle): Promise<void> {
  assertBuilt();
  const services = await startBackingServices(life);
  const { database } = await connectBench(life, services);
  await mongoose.connect(services.mongoUri, { serverSelectionTimeoutMS: 5000 });
  life.onStop(() => mongoose.disconnect());
  const queuePrefix = `bench-webhooks-${randomBytes(4).toString('hex')}`;
  const redis = new RedisConnections(services.redisUrl);
  life.onStop(() => redis.close());
  const stopHints = publishEventHints(redis, queuePrefix);
  life.onStop(async () => stopHints());

  const receiver = new Receiver();
  await receiver.start();
  life.onStop(() => receiver.stop());

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const adminKey = randomBytes(24).toString('hex');
  const logLevel = process.env.BENCH_CHILD_LOG_LEVEL ?? 'warn';
  const env = childEnvironment(
    services,
    { port, base, adminKey, queuePrefix, logLevel },
    { NODE_ENV: 'test', HOST: '127.0.0.1', WEBHOOK_CONCURRENCY: String(CONCURRENCY) },
  );
  const workerMetricsPort = await freePort();
  const workerBase = `http://127.0.0.1:${workerMetricsPort}`;
  env.WORKER_METRICS_PORT = String(workerMetricsPort);
  const api = life.spawn('api', API_ENTRY, env);
  await waitReady(base, api, 60_000);
  const siteId = `bench-webhooks-${randomBytes(3).toString('hex')}`;
  await createSite(base, adminKey, siteId, { name: 'Webhookbänken' });
  const created = await fetch(`${base}/api/v1/admin/sites/${siteId}/webhooks`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ url: `http://127.0.0.1:${receiver.port}/hook`, events: ['comment.published'] }),
  });
  if (created.status !== 201) throw new Error(`webhook not created: ${created.status} ${await created.text()}`);
  receiver.secret = ((await created.json()) as { webhook: { secret: string } }).webhook.secret;
  life.onStop(() => removeExternalData(services, siteId, queuePrefix));

  const worker = life.spawn('worker', WORKER_ENTRY, env);
  // The worker is up once a first event goes through.
  const warm = newEvent(siteId);
  await recordEvents([warm]);
  if (!(await waitFor(receiver, [eventIdOf(warm.type, warm.cause)], 60_000))) throw new Error('worker did not deliver');
  const rss = new PeakRss(worker.pid);
  const commandsBefore = await databaseCommands(workerBase);

  // 1. Throughput.
  console.log(`phase 1: ${EVENTS} events in batches of ${BATCH}`);
  const recordedAt = new Map<string, number>();
  const throughputIds: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, EVENTS - i) }, () => newEvent(siteId));
    const at = performance.now();
    await recordEvents(batch);
    for (const e of batch) {
      const id = eventIdOf(e.type, e.cause);
      recordedAt.set(id, at);
      throughputIds.push(id);
    }
  }
  const recordMs = performance.now() - t0;
  const drained = await waitFor(receiver, throughputIds, DRAIN_MS);
  const lastAt = Math.max(...throughputIds.map((id) => receiver.receipts.get(id)?.at ?? 0));
  const throughputMs = lastAt - t0;
  const throughputLat = stats(
    throughputIds
      .filter((id) => receiver.receipts.has(id))
      .map((id) => receiver.receipts.get(id)!.at - recordedAt.get(id)!),
  );

  // 2. Latency at a steady rate.
  console.log(`phase 2: ${RATE} events/s for ${SECONDS} s`);
  const steadyIds: string[] = [];
  const start = performance.now();
  for (let i = 0; i < RATE * SECONDS; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const e = newEvent(siteId);
    const id = eventIdOf(e.type, e.cause);
    recordedAt.set(id, performance.now());
    await recordEvents([e]);
    steadyIds.push(id);
  }
  const settled = await waitFor(receiver, steadyIds, 30_000);
  const steadyLat = stats(
    steadyIds
      .filter((id) => receiver.receipts.has(id))
      .map((id) => receiver.receipts.get(id)!.at - recordedAt.get(id)!),
  );
  const peakKb = rss.stop();
  const commandsAfter = await databaseCommands(workerBase);

  // 3. Ceiling: the same client, straight at the receiver.
  console.log(`phase 3: ceiling, ${EVENTS} direct POSTs, ${CONCURRENCY} at once`);
  const url = new URL(`http://127.0.0.1:${receiver.port}/hook`);
  const checked = { address: '127.0.0.1', family: 4 as const };
  let next = 0;
  let ceilingOk = 0;
  const c0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < EVENTS) {
        next++;
        const id = `evt_ceiling_${randomUUID()}`;
        const body = JSON.stringify({
          id,
          type: 'comment.published',
          createdAt: new Date().toISOString(),
          site: siteId,
          data: { commentId: id },
        });
        const status = await sendDelivery(
          url,
          checked,
          body,
          {
            'Kommentarer-Event': 'comment.published',
            'Kommentarer-Delivery': 'whd_ceiling',
            'Kommentarer-Signature': signatureHeader([receiver.secret], body, new Date()),
          },
          5000,
        );
        if (status === 204) ceilingOk++;
      }
    }),
  );
  const ceilingMs = performance.now() - c0;

  // Checks.
  const all = [...throughputIds, ...steadyIds];
  const duplicates = all.filter((id) => (receiver.receipts.get(id)?.count ?? 0) > 1).length;
  const missing = all.filter((id) => !receiver.receipts.has(id)).length;
  const unsigned = all.filter((id) => receiver.receipts.has(id) && !receiver.receipts.get(id)!.signed).length;
  const perSecond = (n: number, ms: number) => ((n / ms) * 1000).toFixed(0);
  const delivered = throughputIds.filter((id) => receiver.receipts.has(id)).length;

  console.log('');
  console.log(`| measure | value |`);
  console.log(`|---|---|`);
  console.log(
    `| deliveries/s, one worker (${EVENTS} events, WEBHOOK_CONCURRENCY ${CONCURRENCY}) | ${perSecond(delivered, throughputMs)}${drained ? '' : ' (cut short)'} |`,
  );
  console.log(`| recording them (batches of ${BATCH}) took | ${recordMs.toFixed(0)} ms |`);
  console.log(
    `| record → receipt under that burst, p50 / p95 | ${throughputLat.p50.toFixed(0)} / ${throughputLat.p95.toFixed(0)} ms |`,
  );
  console.log(
    `| record → receipt at ${RATE} events/s, p50 / p95 | ${steadyLat.p50.toFixed(0)} / ${steadyLat.p95.toFixed(0)} ms${settled ? '' : ' (some never arrived)'} |`,
  );
  console.log(
    `| ceiling: same client straight to the receiver, ${CONCURRENCY} at once | ${perSecond(ceilingOk, ceilingMs)} POSTs/s |`,
  );
  console.log(`| worker peak RSS (phases 1 and 2) | ${kbToMb(peakKb)} MB${rss.exact ? '' : ' (sampled)'} |`);
  console.log(
    `| worker's database commands per delivery (phases 1 and 2, the dispatcher's included) | ${commandsPer(commandsBefore, commandsAfter, throughputIds.length + steadyIds.length)} |`,
  );
  console.log(`| duplicates / missing / bad signatures | ${duplicates} / ${missing} / ${unsigned} |`);
  console.log('');
  console.log(machineLine(database, services.local));
  await life.cleanup();
  if (duplicates + missing + unsigned > 0) throw new Error('checks failed');
}

function newEvent(siteId: string): NewEvent {
  const cause = randomUUID();
  return {
    type: 'comment.published',
    siteId,
    cause,
    data: { commentId: cause.replace(/-/g, '').slice(0, 24), thread: '/bench' },
  };
}

const life = new Lifecycle();
life.run(
  () => main(life),
  15 * 60_000,
  (err) => err.message === 'checks failed',
);
