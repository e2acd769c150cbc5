/**
 * How a benchmark run starts and ends, shared by bench/load.ts, moderation.ts and
 * erasure.ts: the backing servers (embedded unless MONGODB_URI / REDIS_URL are set), the
 * bench's own database connection, the node children, a hard time limit, and one cleanup
 * that every way out of a run goes through (success, failure, signal, time limit).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import mongoose, { Connection, ConnectOptions } from 'mongoose';
import { EmbeddedMongo, startEmbeddedMongo } from '../src/dev/embedded-mongo';
import { EmbeddedRedis } from '../src/dev/embedded-redis';
import {
  BENCH_METRICS_TOKEN,
  ChildOptions,
  describeDatabase,
  NodeChild,
  removeMongoData,
  removeRedisKeys,
  ROOT,
} from './bench-support';

/** A load generator (autocannon) that must stop before the API does, or it reports the shutdown as errors. */
type Load = PromiseLike<unknown> & { stop(): void };

/**
 * Everything a run started. cleanup() stops it in one order: the loads, then the node
 * children together (they close their own connections), then the servers newest first,
 * so that the bench's connections close before the databases they talk to.
 */
export class Lifecycle {
  /** Set once cleanup has begun: long loops check it, so that an interrupt ends them. */
  stopping = false;
  private readonly children: NodeChild[] = [];
  private readonly servers: Array<() => Promise<void>> = [];
  private readonly loads = new Set<Load>();
  private cleaning: Promise<void> | undefined;

  /** childGraceMs: how long a child gets after SIGTERM before it is killed. */
  constructor(private readonly childGraceMs = 10_000) {}

  /** Starts a node child (API or worker) from the repository root and stops it at the end. */
  spawn(role: string, entry: string, env: NodeJS.ProcessEnv, options?: ChildOptions, args: string[] = []): NodeChild {
    const child = new NodeChild(role, entry, env, ROOT, options, args);
    this.children.push(child);
    return child;
  }

  /** Registers something to close at the end, after the children. */
  onStop(stop: () => Promise<void>): void {
    this.servers.push(stop);
  }

  /** Registers a running load; it is forgotten once it finishes. */
  track<T extends Load>(load: T): T {
    this.loads.add(load);
    const forget = () => {
      this.loads.delete(load);
    };
    load.then(forget, forget);
    return load;
  }

  throwIfStopping(): void {
    if (this.stopping) throw new Error('stopped');
  }

  /**
   * A server that took long to start may finish after an interrupt already ran cleanup():
   * stops what was registered since, and ends the run.
   */
  async abortIfStopping(): Promise<void> {
    if (!this.stopping) return;
    for (const stop of this.servers.splice(0).reverse()) await stop().catch(() => undefined);
    throw new Error('stopped');
  }

  cleanup(): Promise<void> {
    const report = (err: Error) => console.error(`cleanup: ${err.message}`);
    this.stopping = true;
    for (const load of this.loads) load.stop();
    this.cleaning ??= (async () => {
      await Promise.all(this.children.splice(0).map((c) => c.stop(this.childGraceMs).catch(report)));
      for (const stop of this.servers.splice(0).reverse()) await stop().catch(report);
    })();
    return this.cleaning;
  }

  /**
   * Runs main and exits: 0 when it succeeds, 1 when it fails or exceeds hardLimitMs (so a
   * stuck database cannot keep a run going forever), 130 on SIGINT / SIGTERM. Failures
   * that `expected` accepts (a bench's failed checks) are printed without a stack, even
   * when they are thrown after cleanup.
   */
  run(main: () => Promise<void>, hardLimitMs: number, expected: (err: Error) => boolean = () => false): void {
    const hardLimit = setTimeout(() => {
      console.error(`bench: exceeded ${hardLimitMs} ms; giving up`);
      void this.cleanup().finally(() => process.exit(1));
    }, hardLimitMs);
    hardLimit.unref();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        console.error(`bench: ${signal}; stopping`);
        void this.cleanup().finally(() => process.exit(130));
      });
    }
    main().then(
      () => process.exit(0),
      (err: Error) => {
        const plain = expected(err);
        if (this.stopping && !plain) return; // interrupted: the signal handler cleans up and exits
        console.error(`bench failed: ${plain ? err.message : (err.stack ?? err.message)}`);
        void this.cleanup().finally(() => process.exit(1));
      },
    );
  }
}

export interface BackingServices {
  mongoUri: string;
  redisUrl: string;
  /** The embedded database's kind; undefined when MONGODB_URI names an external one. */
  kind?: EmbeddedMongo['kind'];
  embeddedRedis: boolean;
  /** What of them runs on this machine, for the report: "database", "Redis". */
  local: string[];
}

/**
 * MongoDB (or FerretDB) and Redis: MONGODB_URI / REDIS_URL when set, otherwise embedded
 * servers that the lifecycle stops at the end. FerretDB gets a private PostgreSQL cluster
 * because on its SQLite backend every query not by _id reads the whole collection.
 */
export async function startBackingServices(life: Lifecycle): Promise<BackingServices> {
  let mongo: EmbeddedMongo | undefined;
  if (!process.env.MONGODB_URI) {
    console.log('starting embedded MongoDB-compatible server…');
    const t0 = Date.now();
    mongo = await startEmbeddedMongo(undefined, { backend: 'postgresql' });
    console.log(`embedded ${mongo.kind} started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const m = mongo;
    life.onStop(() => m.stop());
    await life.abortIfStopping();
  }
  let redis: EmbeddedRedis | undefined;
  if (!process.env.REDIS_URL) {
    redis = await EmbeddedRedis.start();
    const r = redis;
    life.onStop(() => r.stop());
    await life.abortIfStopping();
  }
  return {
    mongoUri: process.env.MONGODB_URI ?? mongo!.uri,
    redisUrl: process.env.REDIS_URL ?? redis!.url,
    kind: mongo?.kind,
    embeddedRedis: !!redis,
    local: [...(mongo ? ['database'] : []), ...(redis ? ['Redis'] : [])],
  };
}

/**
 * The bench's own connection (seeding, reading back what the worker decided), closed at
 * the end; prints and returns the database's description. `showBackend` adds what an
 * embedded FerretDB stores its data in ("… on postgresql").
 */
export async function connectBench(
  life: Lifecycle,
  services: BackingServices,
  options: ConnectOptions = {},
  showBackend = false,
): Promise<{ db: Connection; database: string }> {
  const db = mongoose.createConnection(services.mongoUri, { serverSelectionTimeoutMS: 5000, ...options });
  life.onStop(() => db.close());
  await db.asPromise();
  const backend =
    showBackend && services.kind?.startsWith('ferretdb-') ? ` on ${services.kind.slice('ferretdb-'.length)}` : '';
  const database = `${await describeDatabase(db, services.kind ? 'embedded' : 'external')}${backend}`;
  console.log(`database: ${database}; redis: ${services.embeddedRedis ? 'embedded' : 'external'}`);
  return { db, database };
}

/**
 * The API's and worker's environment: this run's servers, port and queue prefix, its admin
 * key, metrics token and a fresh IP-hash secret, in production mode (what is measured is what runs in
 * production). `extra` holds one bench's own variables.
 */
export function childEnvironment(
  services: BackingServices,
  run: { port: number; base: string; adminKey: string; queuePrefix: string; logLevel: string },
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(run.port),
    PUBLIC_URL: run.base,
    MONGODB_URI: services.mongoUri,
    REDIS_URL: services.redisUrl,
    ADMIN_API_KEY: run.adminKey,
    IP_HASH_SECRET: randomBytes(24).toString('hex'),
    METRICS_TOKEN: BENCH_METRICS_TOKEN,
    LOG_LEVEL: run.logLevel,
    QUEUE_PREFIX: run.queuePrefix,
    ...extra,
  };
}

/** The report's last line: database, machine, and which processes shared it (`local`). */
export function machineLine(database: string, local: string[]): string {
  const cpus = os.cpus();
  return (
    `Database: ${database}. Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, ` +
    `${os.platform()} ${os.arch()}; ${local.join(', ')} on this machine.`
  );
}

/** Embedded servers took a run's data with them; external ones get it removed. */
export async function removeExternalData(
  services: BackingServices,
  siteId: string,
  queuePrefix: string,
): Promise<void> {
  if (!services.kind) await removeMongoData(services.mongoUri, siteId);
  if (!services.embeddedRedis) await removeRedisKeys(services.redisUrl, queuePrefix);
}
