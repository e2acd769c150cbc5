import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { AppError } from '../shared/errors';
import type { Logger } from './logger';
import { RedisConnections, withTimeout } from './redis';

/** Longest a fact lives in memory, whatever Redis says: bounds what a process cut off from the others' tokens serves. */
export const REFUSAL_CACHE_TTL_MS = 10_000;
/** Memory the cached facts of all sites may take. */
const MAX_BYTES = 16 * 1024 * 1024;
/** Sites whose renewal failed that are remembered one by one; beyond, every site counts as unsettled. */
const MAX_FAILED_SITES = 1000;
/** A token read Redis has not answered within this long is given up: the cache steps aside. */
const READ_TIMEOUT_MS = 500;
/** A renewal Redis has not confirmed within this long counts as failed. */
const RENEW_TIMEOUT_MS = 1000;
const ALL = '\u0000all';

/**
 * What one request may take from the cache: facts of one site under the token it read.
 * Without a token (Redis unreachable, or this site's latest change not confirmed by
 * Redis yet) every get() loads from the database.
 */
export interface RefusalView {
  readonly siteId: string;
  /** The fact under kind/key: from memory when held under this token, else load()'s, kept when keep() says so. */
  get<T>(kind: string, key: string, load: () => Promise<T>, keep?: (value: T) => boolean): Promise<T>;
  /** Keeps a fact this request learnt otherwise (e.g. from a write's answer) under its token. */
  set<T>(kind: string, key: string, value: T): void;
}

/**
 * The facts that can refuse a write before anything is written (bans in force, thread
 * states, erasures under way), kept in each process's memory. Every write is checked
 * against them and they change rarely, so reading them from the database on every post
 * was most of its round trips.
 *
 * Each site has a random token in Redis (and so does "every site"), which every change of
 * those facts replaces before the change's caller gets its answer, whichever process
 * makes it (refusal-changes.ts announces them). A request reads the tokens with one MGET
 * and uses only facts loaded under them, so a ban, a closing or an erasure that has
 * answered is seen by the next request in every process. A change whose new token Redis
 * did not confirm leaves its site *unsettled* here: this process reads that site from
 * the database until a renewal goes through, and writes that must be seen everywhere at
 * once (a ban, a closing) answer 503 instead of success (`confirm`). Without Redis the
 * cache steps aside; a process whose connection dropped forgets what it holds; nothing
 * lives longer than REFUSAL_CACHE_TTL_MS.
 */
export class RefusalCache {
  private readonly facts = new LRUCache<string, { value: unknown }>({
    ttl: REFUSAL_CACHE_TTL_MS,
    ttlAutopurge: true,
    maxSize: MAX_BYTES,
    sizeCalculation: (entry, key) => 2 * (key.length + (JSON.stringify(entry.value)?.length ?? 0)) + 200,
  });
  private readonly loading = new Map<string, Promise<unknown>>();
  /** Sites (or ALL) whose last renewal failed, with the number of that renewal. */
  private readonly failed = new Map<string, number>();
  private renewals = 0;
  /** The one renewal of failed sites in flight: others meanwhile bypass rather than wait or pile up. */
  private retrying: Promise<void> | null = null;

  constructor(
    private readonly redis: RedisConnections,
    private readonly keyPrefix: string,
    private readonly logger: Logger,
  ) {
    // Changes others made while this process was cut off may not have reached Redis either.
    redis.commands.on('close', () => this.forgetAll());
    redis.commands.on('ready', () => void this.retryFailed());
  }

  /** The site's facts as this request may use them: one MGET, or none while the site is unsettled and Redis still refuses. */
  async view(siteId: string): Promise<RefusalView> {
    if (!this.settled(siteId)) {
      if (!this.retrying) await this.retryFailed();
      if (!this.settled(siteId)) return this.bypass(siteId);
    }
    let token: string;
    try {
      token = await this.token(siteId);
    } catch {
      return this.bypass(siteId);
    }
    const prefix = `${siteId}\n${token}\n`;
    return {
      siteId,
      get: <T>(kind: string, key: string, load: () => Promise<T>, keep: (value: T) => boolean = () => true) =>
        this.read(`${prefix}${kind}\n${key}`, load, keep),
      set: <T>(kind: string, key: string, value: T) => {
        this.facts.set(`${prefix}${kind}\n${key}`, { value });
      },
    };
  }

  /**
   * Gives the sites new tokens; the listener of refusal-changes.ts. Never throws: a
   * renewal that fails leaves its sites unsettled in this process (see confirm).
   */
  async renew(sites: string[] | 'all', retry = false): Promise<void> {
    const n = ++this.renewals;
    const keys = sites === 'all' ? [this.allKey()] : sites.map((s) => this.siteKey(s));
    try {
      await withTimeout(this.redis.commands.mset(...keys.flatMap((k) => [k, randomUUID()])), RENEW_TIMEOUT_MS);
    } catch (err) {
      this.markFailed(sites === 'all' ? [ALL] : sites, n);
      // Said once when sites become unsettled, not again for every retry while Redis is away.
      if (!retry)
        this.logger.warn(
          { errName: (err as Error).name, sites: sites === 'all' ? 'all' : sites.length },
          'refusal cache token not renewed; the sites are read from the database here',
        );
      return;
    }
    this.markRenewed(sites === 'all' ? [ALL] : sites, n);
  }

  /**
   * For a change that must hold in every process once it has answered (a ban, a thread
   * closed or reopened): resolves when the site's latest renewal reached Redis, trying
   * once more if it had not; otherwise throws 503 UNAVAILABLE. The change is stored, and
   * other processes see it within REFUSAL_CACHE_TTL_MS at the latest.
   */
  async confirm(siteId: string): Promise<void> {
    if (this.settled(siteId)) return;
    await this.retryFailed();
    if (!this.settled(siteId)) throw new AppError('UNAVAILABLE');
  }

  /** True when no renewal of this site's token (or every site's) is known to have failed here. */
  settled(siteId: string): boolean {
    return this.failed.size === 0 || (!this.failed.has(siteId) && !this.failed.has(ALL));
  }

  /** Renews every failed site's token again (one renewal at a time); never throws. */
  private retryFailed(): Promise<void> {
    if (!this.retrying) {
      const sites = [...this.failed.keys()];
      if (sites.length === 0) return Promise.resolve();
      this.retrying = this.renew(sites.includes(ALL) ? 'all' : sites, true).finally(() => {
        this.retrying = null;
      });
    }
    return this.retrying;
  }

  private markFailed(sites: string[], n: number): void {
    for (const site of sites) this.failed.set(site, n);
    if (this.failed.size > MAX_FAILED_SITES) {
      this.failed.clear();
      this.failed.set(ALL, n);
    }
  }

  /** A renewal went through: sites whose failure came before it are settled (ALL settles every site). */
  private markRenewed(sites: string[], n: number): void {
    const cleared = sites.includes(ALL) ? [...this.failed.keys()] : sites;
    for (const site of cleared) {
      const failedAt = this.failed.get(site);
      if (failedAt !== undefined && failedAt < n) this.failed.delete(site);
    }
  }

  /** The site's token joined with every site's; missing ones are made (never an earlier value: they are random). */
  private async token(siteId: string): Promise<string> {
    const keys = [this.siteKey(siteId), this.allKey()];
    let tokens = await withTimeout(this.redis.commands.mget(...keys), READ_TIMEOUT_MS);
    if (tokens.some((t) => t === null)) {
      await withTimeout(Promise.all(keys.map((k) => this.redis.commands.set(k, randomUUID(), 'NX'))), READ_TIMEOUT_MS);
      tokens = await withTimeout(this.redis.commands.mget(...keys), READ_TIMEOUT_MS);
    }
    if (tokens.some((t) => t === null)) throw new Error('no refusal token');
    return tokens.join(':');
  }

  private read<T>(key: string, load: () => Promise<T>, keep: (value: T) => boolean): Promise<T> {
    const held = this.facts.get(key);
    if (held) return Promise.resolve(held.value as T);
    const pending = this.loading.get(key);
    if (pending) return pending as Promise<T>;
    const loaded = load()
      .then((value) => {
        if (keep(value) && this.loading.get(key) === loaded) this.facts.set(key, { value });
        return value;
      })
      .finally(() => {
        if (this.loading.get(key) === loaded) this.loading.delete(key);
      });
    this.loading.set(key, loaded);
    return loaded;
  }

  private bypass(siteId: string): RefusalView {
    return { siteId, get: (_kind, _key, load) => load(), set: () => undefined };
  }

  private forgetAll(): void {
    this.facts.clear();
    this.loading.clear();
  }

  private siteKey(siteId: string): string {
    return `${this.keyPrefix}:refusals:site:${siteId}`;
  }

  private allKey(): string {
    return `${this.keyPrefix}:refusals:all`;
  }
}
