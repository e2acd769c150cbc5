import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { RedisConnections } from './redis';
import { GenerationFeed } from './generation-feed';
import type { ChangeScope } from './site-changes';
import { GenerationScope, SiteGenerations } from './site-generations';

export { allSitesGenerationKey, hiddenGenerationKey, siteGenerationKey } from './site-generations';

export interface PublicPageCacheOptions {
  /** Longest an entry lives even if no change is ever announced; 0 turns the cache off. */
  ttlMs: number;
  maxBytes: number;
  /** This process serves reads from the cache (the API); a worker only announces its writes. */
  servesReads: boolean;
}

/**
 * What every reader of a site sees alike, kept in this process's memory: comment pages
 * for readers without a login, thread state and comment counts. A popular article is read
 * far more often than it is written to, so one database read can answer many readers.
 *
 * Entries are keyed by the site's generation, a random token in Redis that every write to
 * the site's comments, commenters or threads replaces (see infra/site-changes and
 * site-generations). Every API process reads the token before answering, so a decision,
 * an edit or an erasure made by any process is never served from a cache afterwards.
 * Without Redis the cache is bypassed, and so is a site whose new token Redis has not
 * confirmed yet; the TTL only bounds memory.
 */
export class PublicPageCache {
  private readonly pages: LRUCache<string, { json: unknown }>;
  /** Loads in progress, so a burst of readers of a cold page costs one database read. */
  private readonly loading = new Map<string, Promise<unknown>>();
  /** The generation each site's pages were last read under, to drop older pages early. */
  private readonly seen = new Map<string, string>();
  private readonly generations: SiteGenerations;
  /** Pushes and holds generation tokens (none when the cache is off). */
  readonly feed: GenerationFeed | undefined;
  /** Counts the times everything was forgotten: a load begun before may not store its page. */
  private forgotten = 0;
  private readonly forgetListeners: Array<() => void> = [];

  constructor(
    redis: RedisConnections,
    keyPrefix: string,
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
    // The failing-fast connection: nothing waits in memory for Redis, readers go to the database at once.
    this.feed =
      options.ttlMs > 0
        ? new GenerationFeed(redis.commands, redis.dedicated('pagegen-feed'), keyPrefix, options.servesReads)
        : undefined;
    const pushed = metrics.generationReads.labels({ source: 'pushed' });
    const asked = metrics.generationReads.labels({ source: 'redis' });
    this.generations = new SiteGenerations(redis.commands, keyPrefix, this.feed, (source) =>
      (source === 'pushed' ? pushed : asked).inc(),
    );
    // Writes other processes made while this one was cut off may not have renewed any
    // token (theirs could not reach Redis either): pages from before are not trusted.
    redis.commands.on('close', () => this.forgetAll());
    // Renewals that waited for Redis are delivered as soon as it is back.
    redis.commands.on('ready', () => {
      this.generations.flush().catch(() => undefined);
    });
  }

  /**
   * The page for this site and query: from memory when still current, else from load().
   * `own` pages hold what authors see of their own, and are renewed by hidden changes too.
   * `counted: false` keeps the read out of the metrics (a check made for an answer that
   * is counted where it is given).
   */
  async read<T>(
    siteId: string,
    query: string,
    load: () => Promise<T>,
    scope: GenerationScope = 'shared',
    counted = true,
  ): Promise<T> {
    if (this.options.ttlMs === 0) return load();
    const generation = await this.generation(siteId, scope);
    if (generation === null) {
      // No token to trust (Redis away, or this site's new one not confirmed): the database answers.
      if (counted) this.metrics.pageCache.inc({ result: 'bypass' });
      return load();
    }
    const held = `${siteId}\n${scope}\n`;
    if (this.seen.get(held) !== generation) this.forget(held, generation);
    // A query can be as long as a URL may be; a long one's digest keeps every key short.
    const named = query.length <= 200 ? query : createHash('sha256').update(query).digest('base64url');
    const key = `${held}${generation}\n${named}`;
    const hit = this.pages.get(key);
    if (hit) {
      if (counted) this.metrics.pageCache.inc({ result: 'hit' });
      return hit.json as T;
    }
    if (counted) this.metrics.pageCache.inc({ result: 'miss' });
    const pending = this.loading.get(key);
    if (pending) return pending as Promise<T>;
    const epoch = this.forgotten;
    const loaded = load()
      .then((json) => {
        if (this.forgotten === epoch) this.pages.set(key, { json });
        return json;
      })
      .finally(() => {
        if (this.loading.get(key) === loaded) this.loading.delete(key);
      });
    this.loading.set(key, loaded);
    return loaded;
  }

  /**
   * The site's current generation: what a page stored now is kept under, and what a page
   * held must still be under to be served. Null when nothing may be served from memory
   * (cache off, Redis away, or this site's new token not confirmed yet).
   */
  async generation(siteId: string, scope: GenerationScope = 'shared'): Promise<string | null> {
    if (this.options.ttlMs === 0) return null;
    try {
      return await this.generations.current(siteId, scope);
    } catch {
      // Writes made while Redis was unreachable could not announce themselves: forget
      // everything rather than serve a page they changed once Redis is back.
      this.forgetAll();
      return null;
    }
  }

  /** Counts the times everything was forgotten: what was read under an older epoch may not be stored. */
  get epoch(): number {
    return this.forgotten;
  }

  /** Calls back whenever everything is forgotten (Redis lost), for caches kept beside this one. */
  onForgetAll(listener: () => void): void {
    this.forgetListeners.push(listener);
  }

  /**
   * Gives the sites new generations; called after their data changed. Returns once Redis
   * has them, or after a second without: until it has, this process bypasses those sites.
   * A hidden change (only its author sees it) renews only the sites' `own` pages.
   */
  async invalidate(sites: string[] | 'all', change: ChangeScope = 'visible'): Promise<void> {
    if (this.options.ttlMs === 0) return;
    // This process knows at once.
    if (sites === 'all') this.forgetAll();
    else
      for (const site of sites) {
        this.forget(`${site}\nown\n`, '');
        if (change === 'visible') this.forget(`${site}\nshared\n`, '');
      }
    try {
      await this.generations.renew(sites, 1000, change);
    } catch (err) {
      // The count of sites says enough without naming them.
      this.logger.warn(
        { errName: (err as Error).name, sites: sites === 'all' ? 'all' : sites.length },
        'page cache invalidation not confirmed',
      );
    }
  }

  /** Leaves the generation feed (before the connections close). */
  async close(): Promise<void> {
    await this.feed?.close();
  }

  /** Pages held in memory now. */
  get size(): number {
    return this.pages.size;
  }

  /** Site renewals waiting for Redis to confirm them (an all-sites renewal counts one). */
  get unconfirmedRenewals(): number {
    return this.generations.waiting;
  }

  /** What the held entries really take, keys included, counted afresh (for tests and checks). */
  heldBytes(): number {
    let total = 0;
    for (const [key, entry] of this.pages.entries()) total += entryBytes(key, entry.json);
    return total;
  }

  private forgetAll(): void {
    this.forgotten += 1;
    this.pages.clear();
    this.loading.clear();
    this.seen.clear();
    for (const listener of this.forgetListeners) listener();
  }

  /** A site's pages of a scope (`held`: their key prefix) have a new generation: the older ones leave memory now. */
  private forget(held: string, generation: string): void {
    for (const key of this.pages.keys()) if (key.startsWith(held)) this.pages.delete(key);
    this.seen.set(held, generation);
  }
}

/** Bookkeeping of one entry beyond its key and JSON: the LRU's slots, the wrapper object. */
const ENTRY_OVERHEAD_BYTES = 200;

/** Memory an entry holds. Strings are UTF-16 in memory: two bytes a character is close enough for a budget. */
function entryBytes(key: string, json: unknown): number {
  return 2 * (key.length + JSON.stringify(json).length) + ENTRY_OVERHEAD_BYTES;
}
