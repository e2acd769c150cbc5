/**
 * Where a post's time goes (node dist/bench/post-trace.js, after npm run build): the API
 * in this process, no worker, posts sent one at a time, so that each post's time splits
 * into its database commands (the driver's own durations) and the rest (the API's work,
 * its Redis commands, which are counted too, and the event loop). Run next to db-latency.ts: that one times each
 * command alone, this one inside a real post.
 *
 * BENCH_POSTS (default 300) posts by BENCH_COMMENTERS (default 100) commenters on one
 * thread: the first post of each commenter makes their profile, the others find it.
 * Uses MONGODB_URI / REDIS_URL when set, otherwise FerretDB on PostgreSQL and a
 * redis-server, as the other benches do.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import mongoose from 'mongoose';
import { parseEnv } from '../config/env';
import { startApi } from '../src/api-process';
import { createLogger } from '../src/infra/logger';
import { connectBench, Lifecycle, machineLine, startBackingServices } from './bench-lifecycle';
import { createSite, letters, percentile, positiveInt } from './bench-support';

const POSTS = positiveInt(process.env.BENCH_POSTS, 300);
const COMMENTERS = positiveInt(process.env.BENCH_COMMENTERS, 100);

const life = new Lifecycle();

async function main(): Promise<void> {
  const services = await startBackingServices(life);
  const { database } = await connectBench(life, services, {}, true);
  const adminKey = randomBytes(24).toString('hex');
  const config = parseEnv({
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    MONGODB_URI: services.mongoUri,
    REDIS_URL: services.redisUrl,
    ADMIN_API_KEY: adminKey,
    IP_HASH_SECRET: randomBytes(24).toString('hex'),
    LOG_LEVEL: 'silent',
    QUEUE_PREFIX: `trace-${randomBytes(4).toString('hex')}`,
  });
  const api = await startApi(config, createLogger('silent'), {
    mongoUri: services.mongoUri,
    redisUrl: services.redisUrl,
  });
  life.onStop(() => api.close());
  const base = `http://127.0.0.1:${api.port}`;
  const siteId = `trace-${randomBytes(4).toString('hex')}`;
  const sign = await createSite(base, adminKey, siteId, {
    name: 'Trace',
    origins: ['https://bench.example'],
    rateLimits: { commentsPerCommenterPerMinute: 10_000, commentsPerIpPerMinute: 100_000 },
  });
  const tokens = await Promise.all(Array.from({ length: COMMENTERS }, (_, i) => sign(`trace-${i}`, `Trace ${i}`)));

  // Database time of the commands of the post in flight (one at a time, so all are its own).
  const client = mongoose.connection.getClient();
  let dbMs = 0;
  let commands: string[] = [];
  const done = (event: { duration: number; commandName: string }) => {
    dbMs += event.duration;
    commands.push(event.commandName);
  };
  client.on('commandSucceeded', done);
  client.on('commandFailed', done);
  // Redis commands sent meanwhile, by every connection of this process (ioredis has no monitoring events).
  let redisCommands = 0;
  const send = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
    redisCommands++;
    return send.apply(this, args);
  };

  const rows: Array<{ first: boolean; total: number; db: number; n: number; redis: number }> = [];
  for (let n = 0; n < POSTS; n++) {
    dbMs = 0;
    commands = [];
    redisCommands = 0;
    const t0 = performance.now();
    const res = await fetch(`${base}/api/v1/sites/${siteId}/comments`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokens[n % COMMENTERS]}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ thread: 'trace', body: `Trace comment ${letters(n)}: a short remark.` }),
    });
    await res.arrayBuffer();
    const total = performance.now() - t0;
    if (res.status !== 201) throw new Error(`post ${n}: ${res.status}`);
    // The batched outbox delete lands after the answer; it is counted with the post after it.
    rows.push({ first: n < COMMENTERS, total, db: dbMs, n: commands.length, redis: redisCommands });
  }
  client.off('commandSucceeded', done);
  client.off('commandFailed', done);
  Redis.prototype.sendCommand = send;

  const summary = (label: string, sample: typeof rows) => {
    const sorted = (f: (r: (typeof rows)[number]) => number) => sample.map(f).sort((a, b) => a - b);
    const mean = (f: (r: (typeof rows)[number]) => number) => sample.reduce((s, r) => s + f(r), 0) / sample.length;
    console.log(
      `| ${label} (${sample.length}) | ${percentile(
        sorted((r) => r.total),
        50,
      ).toFixed(1)} | ${mean((r) => r.total).toFixed(1)} | ` +
        `${mean((r) => r.n).toFixed(2)} | ${mean((r) => r.db).toFixed(1)} | ${mean((r) => r.redis).toFixed(1)} | ` +
        `${mean((r) => r.total - r.db).toFixed(1)} |`,
    );
  };
  console.log('');
  console.log(`${POSTS} posts one at a time, ${COMMENTERS} commenters, API in this process, no worker:`);
  console.log('');
  console.log(
    '| posts | p50 ms | mean ms | database commands | database ms (mean) | Redis commands | the rest, ms (mean) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  summary(
    "a commenter's first",
    rows.filter((r) => r.first),
  );
  summary(
    'a known commenter',
    rows.filter((r) => !r.first),
  );
  console.log('');
  console.log(machineLine(database, ['API', 'database', 'Redis']));
  await life.cleanup();
}

life.run(main, 600_000);
