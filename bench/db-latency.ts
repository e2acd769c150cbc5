/**
 * Database latency probe (node dist/bench/db-latency.js, after npm run build): what one
 * round trip of each command a post sends costs on the bench's database, to tell how much
 * of a post's time is the database's. Nothing else runs: no API, no worker.
 *
 * Seeds one site as the load bench leaves it (BENCH_COMMENTS comments by BENCH_COMMENTERS
 * commenters, default 2000 and 500), through the application's own models and indexes,
 * then times each command BENCH_OPS times (default 300) one after the other, and again
 * from 20 callers at once (the load bench's connections): latency p50/p99 in ms, and
 * commands per second.
 *
 * Uses MONGODB_URI when set, otherwise starts FerretDB on a private PostgreSQL cluster as
 * the other benches do.
 */
import { performance } from 'node:perf_hooks';
import mongoose, { Types } from 'mongoose';
import { connectMongo, ensureIndexes } from '../src/infra/mongo';
import { CommenterModel } from '../src/modules/commenters/commenter.model';
import { CommentModel } from '../src/modules/comments/comment.model';
import { OutboxModel } from '../src/modules/moderation/outbox.model';
import { ErasureRequestModel } from '../src/modules/privacy/erasure-request.model';
import { connectBench, Lifecycle, machineLine, startBackingServices } from './bench-lifecycle';
import { percentile, positiveInt } from './bench-support';

const OPS = positiveInt(process.env.BENCH_OPS, 300);
const COMMENTS = positiveInt(process.env.BENCH_COMMENTS, 2000);
const COMMENTERS = positiveInt(process.env.BENCH_COMMENTERS, 500);
const CONCURRENCY = 20;
const SITE = 'latency-probe';

const life = new Lifecycle();

interface Probe {
  name: string;
  /** One command; `i` numbers the call, for commands that need distinct documents. */
  run(i: number): Promise<unknown>;
}

async function main(): Promise<void> {
  const services = await startBackingServices(life);
  const { database } = await connectBench(life, services, {}, true);
  await connectMongo(services.mongoUri);
  life.onStop(() => mongoose.disconnect());
  await ensureIndexes();

  console.log(`seeding ${COMMENTERS} commenters and ${COMMENTS} comments…`);
  const now = new Date();
  const commenters = await CommenterModel.insertMany(
    Array.from({ length: COMMENTERS }, (_, i) => ({
      siteId: SITE,
      sub: `probe-${i}`,
      name: `Probe ${i}`,
      email: null,
      createdAt: now,
      lastSeenAt: now,
    })),
  );
  for (let done = 0; done < COMMENTS; done += 500) {
    await CommentModel.insertMany(
      Array.from({ length: Math.min(500, COMMENTS - done) }, (_, i) => ({
        siteId: SITE,
        threadKey: 'bench-write',
        authorId: commenters[(done + i) % COMMENTERS]!._id,
        body: `Seeded comment ${done + i}`,
        status: 'published',
        createdAt: new Date(now.getTime() + done + i),
        updatedAt: now,
      })),
    );
  }
  const someone = commenters[0]!._id;
  let seq = 0;
  const probes: Probe[] = [
    {
      name: 'findOne commenters by (siteId, sub), indexed',
      run: (i) => CommenterModel.findOne({ siteId: SITE, sub: `probe-${i % COMMENTERS}` }).lean(),
    },
    {
      name: 'findOne comments by _id',
      run: () => CommentModel.findById(new Types.ObjectId()).lean(),
    },
    {
      name: 'exists erasure_requests by (siteId, commenterId, status), indexed',
      run: () =>
        ErasureRequestModel.exists({ siteId: SITE, commenterId: someone, status: { $in: ['running', 'completed'] } }),
    },
    {
      name: 'insert moderation_outbox',
      run: () => OutboxModel.create({ commentId: new Types.ObjectId(), revision: 1, createdAt: new Date() }),
    },
    {
      name: 'insert comments (5 secondary indexes)',
      run: (i) =>
        CommentModel.create({
          siteId: SITE,
          threadKey: 'bench-write',
          authorId: someone,
          body: `Probe comment ${i}`,
          status: 'pending',
          createdAt: new Date(),
          updatedAt: new Date(),
        }),
    },
    {
      name: 'findAndModify commenters, upsert of a new profile',
      run: () =>
        CommenterModel.findOneAndUpdate(
          { siteId: SITE, sub: `new-${seq++}` },
          { $set: { name: 'Ny', email: null, lastSeenAt: new Date() }, $setOnInsert: { createdAt: new Date() } },
          { upsert: true, new: true, lean: true },
        ),
    },
  ];

  const rows: string[] = [];
  for (const probe of probes) {
    // Warm up: plans, connections.
    for (let i = 0; i < 20; i++) await probe.run(i);
    const times: number[] = [];
    for (let i = 0; i < OPS; i++) {
      const t0 = performance.now();
      await probe.run(i);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const concurrent: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < OPS) {
          const i = next++;
          const s = performance.now();
          await probe.run(i);
          concurrent.push(performance.now() - s);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    concurrent.sort((a, b) => a - b);
    const row =
      `| ${probe.name} | ${percentile(times, 50).toFixed(2)} | ${percentile(times, 99).toFixed(2)} | ` +
      `${(OPS / (times.reduce((a, b) => a + b, 0) / 1000)).toFixed(0)} | ` +
      `${percentile(concurrent, 50).toFixed(2)} | ${(OPS / seconds).toFixed(0)} |`;
    console.log(row);
    rows.push(row);
  }
  console.log('');
  console.log(`${OPS} commands each, one at a time, then ${CONCURRENCY} at once:`);
  console.log('');
  console.log('| command | p50 ms | p99 ms | per s, one at a time | p50 ms, 20 at once | per s, 20 at once |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
  console.log('');
  console.log(machineLine(database, ['database']));
  await life.cleanup();
}

life.run(main, 600_000);
