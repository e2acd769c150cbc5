import { randomBytes, randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { RequestListener } from 'node:http';
import mongoose from 'mongoose';
import request from 'supertest';
import { AppConfig, parseEnv } from '../../config/env';
import { closeServices, createServices, Services } from '../../src/container';
import { createApp, createRequestListener } from '../../src/app';
import { createLogger, Logger } from '../../src/infra/logger';
import { mintCommenterToken } from '../../src/modules/auth/mint-commenter-token';
import { connectMongo, ensureIndexes } from '../../src/infra/mongo';
import { RedisConnections } from '../../src/infra/redis';
import { RunningWorkers, startWorkers } from '../../src/worker-process';

export const ADMIN_KEY = 'test-admin-key-0123456789';

export interface Harness {
  app: Express;
  /** What the API process's server runs: the app behind public replay. */
  listener: RequestListener;
  services: Services;
  config: AppConfig;
  http: ReturnType<typeof request>;
  admin: { Authorization: string };
  startWorkers(): Promise<RunningWorkers>;
  close(): Promise<void>;
}

/**
 * A database of the test file's own on the suite's server: the workers of one file never
 * take another file's events or webhook deliveries (the feed lives in MongoDB, not under
 * the queue prefix), and each file's queries read only its own documents.
 */
function databaseOf(prefix: string): string | undefined {
  if (!process.env.MONGODB_URI) return undefined;
  const uri = new URL(process.env.MONGODB_URI);
  uri.pathname = `/${prefix}`;
  return uri.toString();
}

/**
 * The app over HTTP against the real servers from global-setup. Each test file gets its
 * own queue prefix and database, so workers of one file never take another file's jobs
 * or events.
 */
export async function startHarness(
  env: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<Harness> {
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  const config = parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_API_KEY: ADMIN_KEY,
    IP_HASH_SECRET: 'test-ip-hash-secret-0123456789',
    MONGODB_URI: databaseOf(prefix),
    REDIS_URL: process.env.REDIS_URL,
    QUEUE_PREFIX: prefix,
    // Webhook URLs in tests: no DNS query, no delivery outside loopback.
    WEBHOOK_NETWORK: 'loopback',
    ...env,
  });
  if (mongoose.connection.readyState !== 1) {
    await connectMongo(config.MONGODB_URI as string);
    await ensureIndexes();
  }
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const services = createServices(config, logger, new RedisConnections(config.REDIS_URL as string));
  const app = createApp(services);
  const listener = createRequestListener(app, services);
  const workers: RunningWorkers[] = [];
  return {
    app,
    listener,
    services,
    config,
    http: request(listener),
    admin: { Authorization: `Bearer ${ADMIN_KEY}` },
    startWorkers: async () => {
      const w = await startWorkers(
        config,
        logger,
        { mongoUri: '', redisUrl: config.REDIS_URL as string },
        { connectMongo: false, sweepEveryMs: 500, metrics: services.metrics },
      );
      workers.push(w);
      return w;
    },
    close: async () => {
      for (const w of workers) await w.close().catch(() => undefined);
      await closeServices(services);
      await mongoose.disconnect();
    },
  };
}

/** The claims a test commenter's token carries; any left out are the site's default commenter's. */
export type CommenterClaims = {
  sub: string;
  name: string;
  email?: string;
  roles?: string[];
};

export const DEFAULT_COMMENTER: CommenterClaims = { sub: 'user-1', name: 'Anna Andersson' };

export interface TestSite {
  id: string;
  secret: string;
  /**
   * A commenter JWT for this site, minted as a host would (valid for ten minutes unless
   * `expiresIn` gives other seconds from now). Takes sub, name, email and roles
   * only; a test that breaks other claims signs with signJwt (helpers/tokens.ts).
   */
  token(claims?: Record<string, unknown>, options?: { expiresIn?: number; secret?: string }): Promise<string>;
  bearer(claims?: Record<string, unknown>): Promise<{ Authorization: string }>;
}

/** Creates a fresh site through the admin API (a new one per test instead of truncating). */
export async function createSite(h: Harness, overrides: Record<string, unknown> = {}): Promise<TestSite> {
  const id = `s-${randomUUID().slice(0, 12)}`;
  const secret = randomBytes(32).toString('hex');
  const res = await h.http
    .put(`/api/v1/admin/sites/${id}`)
    .set(h.admin)
    .send({
      name: 'Testbloggen',
      origins: ['https://www.example.se'],
      auth: { hs256Secret: secret },
      ...overrides,
    });
  if (res.status !== 201) throw new Error(`site not created: ${res.status} ${JSON.stringify(res.body)}`);
  const token: TestSite['token'] = async (claims = {}, options = {}) =>
    mintCommenterToken({
      ...commenterClaims(claims),
      siteId: id,
      secret: options.secret ?? secret,
      expiresIn: options.expiresIn ?? 600,
    });
  return { id, secret, token, bearer: async (claims) => ({ Authorization: `Bearer ${await token(claims)}` }) };
}

/** The default commenter with the given claims over it; anything but the four known claims is a mistake in the test. */
function commenterClaims(claims: Record<string, unknown>): CommenterClaims {
  const { sub, name, email, roles, ...rest } = { ...DEFAULT_COMMENTER, ...claims };
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw new Error(
      `TestSite.token takes sub, name, email and roles, not ${unknown.join(', ')}: sign such tokens with signJwt`,
    );
  if (
    typeof sub !== 'string' ||
    typeof name !== 'string' ||
    (email !== undefined && typeof email !== 'string') ||
    (roles !== undefined && !(Array.isArray(roles) && roles.every((r) => typeof r === 'string')))
  ) {
    throw new Error('TestSite.token takes string claims (roles: strings): sign malformed claims with signJwt');
  }
  return { sub, name, ...(email !== undefined ? { email } : {}), ...(roles !== undefined ? { roles } : {}) };
}

/** Polls until check() returns a value, or fails after timeoutMs. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts a harness for the test file (before its first test, with workers when asked)
 * and closes it after the last. The returned object stands for the harness from then on.
 */
export function useHarness(env: Record<string, string> = {}, options: { workers?: boolean } = {}): Harness {
  let started: Harness | undefined;
  beforeAll(async () => {
    started = await startHarness(env);
    if (options.workers) await started.startWorkers();
  });
  afterAll(async () => {
    await started?.close();
  });
  return new Proxy({} as Harness, {
    get: (_target, key) => {
      if (!started) throw new Error('the harness is used before beforeAll has started it');
      return started[key as keyof Harness];
    },
  });
}
