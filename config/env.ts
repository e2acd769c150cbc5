import { z } from 'zod';

/**
 * The one place that reads process.env. Parsed once at boot; every problem is printed,
 * then the process exits with status 1.
 */
const envSchema = z.object({
  /**
   * Unset means production: development (built-in keys, loopback) must be asked for by
   * name, so a service reachable from outside never runs that way by accident.
   */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Interface the API listens on; default 0.0.0.0 (containers), 127.0.0.1 in development. */
  HOST: z.string().optional(),
  MONGODB_URI: z.string().url().optional(),
  REDIS_URL: z.string().url().optional(),
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  IP_HASH_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  PUBLIC_URL: z.string().url().default('http://localhost:8080'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Express "trust proxy" setting: how many proxies sit in front of the API. */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  /** Prefix for bull's Redis keys; lets several deployments (or test runs) share a Redis. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9:_-]{1,64}$/)
    .default('kommentarer'),
  /** Moderation jobs one worker process holds at once, decided in two batches of up to half of them. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(32),
  /**
   * The demo's pretend host login (GET /demo/token mints commenter and moderator tokens
   * for the site `demo` only). On by default outside production, off in production
   * unless set to true.
   */
  DEMO_LOGIN: z.enum(['true', 'false']).optional(),
  /** How long a worker's lock on a job lasts without renewal; a killed worker's job is retried after it. */
  JOB_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /**
   * After each step of an erasure the worker waits this many times as long as the step
   * took, so an erasure keeps the database busy at most 1 / (1 + ERASURE_PACE) of the
   * time and readers meanwhile keep their latency; 0 runs the steps back to back.
   */
  ERASURE_PACE: z.coerce.number().min(0).max(10).default(1),
  /** How often the retention job runs (milliseconds). */
  RETENTION_EVERY_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /** Bearer key for /metrics; without it the API's public port does not serve /metrics. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** A second port on which the API serves /metrics alone (keep it off the public network). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Port on which a worker process serves /metrics. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** How long an anonymous comment page may stay in an API process's memory; 0 turns the cache off. */
  PAGE_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** Memory budget of that cache per API process, in megabytes. */
  PAGE_CACHE_MB: z.coerce.number().int().min(1).max(4096).default(64),
  /**
   * How long a browser or a shared cache (a CDN) may keep an anonymous public read, and
   * how much longer it may serve it stale while it revalidates. Their sum is the longest an
   * erased comment can linger in such a cache; both 0 makes every cache revalidate.
   */
  PUBLIC_CACHE_MAX_AGE_S: z.coerce.number().int().min(0).max(3600).default(5),
  PUBLIC_CACHE_STALE_S: z.coerce.number().int().min(0).max(3600).default(30),
  /**
   * Where mail goes out (smtp:// or smtps://, credentials in the URL) and who it is from;
   * without SMTP_URL no mail is sent, and the worker says so when it starts.
   */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/\S+$/, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().max(300).default('Kommentarer <no-reply@localhost>'),
  /** How often the worker looks for comments waiting for moderators, to tell them by mail. */
  MODERATOR_MAIL_EVERY_MS: z.coerce.number().int().min(1000).default(60_000),
  /** How often the worker looks for erasure requests near or past their deadline, to tell the privacy contacts. */
  DEADLINE_CHECK_EVERY_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /** How often a worker looks for events to hand to webhooks and mail when no hint woke it sooner. */
  EVENT_POLL_MS: z.coerce.number().int().min(10).default(500),
  /**
   * Webhooks (README "Webhooks"). In production a destination must be https and resolve to
   * public addresses only, unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true lets deliveries go to
   * loopback and private networks on purpose.
   */
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: z.enum(['true', 'false']).default('false'),
  /** How long one delivery may take before it counts as failed (connect, headers and body). */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** The first retry's delay; each further one doubles it (20 s and 13 attempts: about 23 hours). */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(20_000),
  /** Attempts of one delivery before it is marked failed. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(13),
  /** How long a claimed attempt may go without a result before another worker takes it over (its worker died). */
  WEBHOOK_LEASE_MS: z.coerce.number().int().min(200).max(3_600_000).default(60_000),
  /** A webhook failing this long since its first failure after its last success is disabled and its site's alert contacts told. */
  WEBHOOK_DISABLE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(3 * 86_400_000),
  /** How often a worker looks for due deliveries when nothing woke it sooner. */
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  /** Deliveries one worker process has in flight at once. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** Delivery records (attempts) and dispatched events are deleted after this many days. */
  WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /**
   * `loopback` (tests, the fuzz target): no name but localhost resolves, no DNS query is made,
   * and no delivery connects outside loopback, whatever the URL says. `any`: the system's resolver.
   */
  WEBHOOK_NETWORK: z.enum(['any', 'loopback']).default('any'),
  /** A JSON file of sites to create on start if they do not exist yet. */
  SITES_SEED_FILE: z.string().optional(),
  /** Where embedded (development) databases keep their files. */
  DATA_DIR: z.string().default('.data'),
});

export type Env = z.infer<typeof envSchema>;

/** What the rest of the code receives: the parsed environment with its mode's rules applied. */
export interface AppConfig extends Env {
  ADMIN_API_KEY: string;
  IP_HASH_SECRET: string;
  HOST: string;
}

const DEV_ADMIN_KEY = 'dev-admin-key-change-me';
const DEV_IP_SECRET = 'dev-ip-hash-secret-change-me';

/** Parses an environment; throws with every problem listed. */
export function parseEnv(source: NodeJS.ProcessEnv): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const development = env.NODE_ENV === 'development';
  const problems: string[] = [];
  if (!development) {
    const hint =
      'required (at least 16 characters); for a first look on your own machine set NODE_ENV=development to use built-in development keys';
    if (!env.ADMIN_API_KEY) problems.push(`  ADMIN_API_KEY: ${hint}`);
    if (!env.IP_HASH_SECRET) problems.push(`  IP_HASH_SECRET: ${hint}`);
  }
  if (env.NODE_ENV === 'production') {
    if (!env.MONGODB_URI) problems.push('  MONGODB_URI: required in production');
    if (!env.REDIS_URL) problems.push('  REDIS_URL: required in production');
  }
  if (problems.length) throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
  return {
    ...env,
    ADMIN_API_KEY: env.ADMIN_API_KEY ?? DEV_ADMIN_KEY,
    IP_HASH_SECRET: env.IP_HASH_SECRET ?? DEV_IP_SECRET,
    // The development keys are in the sources: keep such a process off the network.
    HOST: env.HOST ?? (development ? '127.0.0.1' : '0.0.0.0'),
  };
}

/** Parses process.env (with parseEnv, or an entry point's own rules) or prints the problems and exits 1. */
export function loadConfig(parse: (env: NodeJS.ProcessEnv) => AppConfig = parseEnv): AppConfig {
  try {
    return parse(process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}
