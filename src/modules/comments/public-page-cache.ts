import { createHash, randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../infra/logger';
import type { Metrics } from '../../infra/metrics';
import { RedisConnections, withTimeout } from '../../infra/redis';

export interface PublicPageCacheOptions {
  /** Longest an entry lives even if no change is ever announced; 0 turns the cache off. */
  ttlMs: number;
  maxBytes: number;
}

/**
 * What every reader of a site sees alike, kept in this process's memory: comment pages
 * for readers without a login, thread state and comment counts. A popular article is read
 * far more often than it is written to, so one database read can answer many readers.
 *
 * Entries are keyed by the site's generation, a random token in Redis that every write to
 * the site's comments, commenters or threads replaces (see infra/site-changes). Every API process
 * reads the token before answering, so a decision, an edit or an erasure made by any
 * process is never served from a cache afterwards. The TTL only bounds memory and the case
 * where Redis refused the new token. Without Redis the cache is bypassed.
 */
export class PublicPageCache {
  private readonly pages: LRUCache<string, { json: unknown }>;
  /** Loads in progress, so a burst of readers of a cold page costs one database read. */
  private readonly loading = new Map<string, Promise<unknown>>();
  /** The generation each site's pages were last read under, to drop older pages early. */
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly redis: RedisConnections,
    private readonly keyPrefix: string,
    private readonly options: PublicPageCacheOptions,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.pages = new LRUCache({
      ttl: Math.max(options.ttlMs, 1),
      // Entries of an old generation are never read again; expiry must remove them anyway.
      ttlAutopurge: true,
      maxSize: options.maxBytes,
      // The key is held as well as the page: both count, so many long queries cannot
      // hold more than the budget in keys alone.
      sizeCalculation: (entry, key) => entryBytes(key, entry.json),
    });
  }

  /** The page for this site and query: from memory when still current, else from load(). */
  async read<T>(siteId: string, query: string, load: () => Promise<T>): Promise<T> {
    if (this.options.ttlMs === 0) return load();
    let generation: string;
    try {
      generation = await this.generation(siteId);
    } catch {
      // Writes made while Redis was unreachable could not announce themselves: forget
      // everything rather than serve a page they changed once Redis is back.
      this.pages.clear();
      this.seen.clear();
      this.metrics.pageCache.inc({ result: 'bypass' });
      return load();
    }
    if (this.seen.get(siteId) !== generation) this.forgetSite(siteId, generation);
    // A query can be as long as a URL may be; its digest keeps every key short.
    const key = `${siteId}\n${generation}\n${createHash('sha256').update(query).digest('base64url')}`;
    const hit = this.pages.get(key);
    if (hit) {
      this.metrics.pageCache.inc({ result: 'hit' });
      return hit.json as T;
    }
    this.metrics.pageCache.inc({ result: 'miss' });
    const pending = this.loading.get(key);
    if (pending) return pending as Promise<T>;
    const loaded = load()
      .then((json) => { this.pages.set(key, { json }); return json; })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, loaded);
    return loaded;
  }

  /** Gives the sites new generations; called after their data changed. */
  async invalidate(sites: string[] | 'all'): Promise<void> {
    if (this.options.ttlMs === 0) return;
    const keys = sites === 'all' ? [this.globalKey()] : sites.map((s) => this.siteKey(s));
    try {
      // The queueing connection: a new token that misses the timeout is still sent once
      // Redis is reachable again.
      await withTimeout(Promise.all(keys.map((k) => this.redis.client.set(k, randomUUID()))), 1000);
    } catch (err) {
      // Bounded by the TTL; the count of sites says enough without naming them.
      this.logger.warn({ errName: (err as Error).name, sites: keys.length }, 'page cache invalidation failed');
    }
    // This process at least knows at once.
    if (sites === 'all') this.pages.clear();
    else for (const site of sites) this.forgetSite(site, '');
  }

  /** Pages held in memory now. */
  get size(): number {
    return this.pages.size;
  }

  /** What the held entries really take, keys included, counted afresh (for tests and checks). */
  heldBytes(): number {
    let total = 0;
    for (const [key, entry] of this.pages.entries()) total += entryBytes(key, entry.json);
    return total;
  }

  /** A site has a new generation: its older pages leave memory now rather than at expiry. */
  private forgetSite(siteId: string, generation: string): void {
    const prefix = `${siteId}\n`;
    for (const key of this.pages.keys()) if (key.startsWith(prefix)) this.pages.delete(key);
    this.seen.set(siteId, generation);
  }

  /** The current generation: the site's token plus the all-sites token, made when missing. */
  private async generation(siteId: string): Promise<string> {
    const keys = [this.siteKey(siteId), this.globalKey()];
    // The failing-fast connection: while Redis is away, readers go to the database at once.
    const redis = this.redis.commands;
    let tokens = await withTimeout(redis.mget(...keys), 500);
    if (tokens.some((t) => t === null)) {
      // Never written, or Redis lost its data: a fresh token, never one used before.
      await withTimeout(Promise.all(keys.map((k) => redis.set(k, randomUUID(), 'NX'))), 500);
      tokens = await withTimeout(redis.mget(...keys), 500);
    }
    if (tokens.some((t) => t === null)) throw new Error('no generation');
    return tokens.join(':');
  }

  private siteKey(siteId: string): string {
    return siteGenerationKey(this.keyPrefix, siteId);
  }

  private globalKey(): string {
    return allSitesGenerationKey(this.keyPrefix);
  }
}

/** Bookkeeping of one entry beyond its key and JSON: the LRU's slots, the wrapper object. */
const ENTRY_OVERHEAD_BYTES = 200;

/** Memory an entry holds. Strings are UTF-16 in memory: two bytes a character is close enough for a budget. */
function entryBytes(key: string, json: unknown): number {
  return 2 * (key.length + JSON.stringify(json).length) + ENTRY_OVERHEAD_BYTES;
}

/** The Redis key of a site's generation token (processes that write behind the API replace it). */
export function siteGenerationKey(keyPrefix: string, siteId: string): string {
  return `${keyPrefix}:pagegen:site:${siteId}`;
}

/** The Redis key of the token every site's generation also includes. */
export function allSitesGenerationKey(keyPrefix: string): string {
  return `${keyPrefix}:pagegen:all`;
}
