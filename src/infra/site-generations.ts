import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { GenerationFeed } from './generation-feed';
import { withTimeout } from './redis';

/** Most site tokens waiting to be renewed; beyond, the all-sites token is renewed instead. */
const MAX_WAITING_SITES = 1000;
/** Most writers waiting at once to hear their renewal confirmed; more answer at once. */
const MAX_WAITING_WRITERS = 1000;
/**
 * Most token reads sent and not yet answered; beyond, readers bypass without asking. A
 * healthy Redis answers in well under a millisecond, so even hundreds of readers at once
 * have only a few reads in flight; only a hung Redis piles them up, and then this bounds
 * them (each also gives up after 500 ms). It must stay far above the readers' concurrency:
 * at 16, twenty concurrent readers already pushed some past it, and every such reader
 * emptied the cache.
 */
const MAX_UNANSWERED_READS = 256;
/** A token read unanswered this long counts as Redis hanging. */
const READ_TIMEOUT_MS = 500;
/** After a read timed out, how long readers bypass without asking Redis. */
const READ_PAUSE_MS = 1000;

/**
 * The sites' generation tokens in Redis, read before a cached page is used and renewed
 * after every write, over a connection that fails at once while Redis is unreachable
 * (nothing queues in memory for it). With a feed (infra/generation-feed), renewals are
 * pushed to every process and a read uses the pushed tokens while its lease holds, so it
 * asks Redis only when it has no lease or has not been told a site's tokens yet.
 *
 * A renewal Redis has not confirmed makes its sites *unsettled*: a page of theirs cannot
 * be trusted, so the cache bypasses them until the renewal has reached Redis. Renewals
 * wait deduplicated by site, and at most one batch (one MSET) is in flight: however long
 * Redis is away, what waits for it is bounded by the number of sites, and past
 * MAX_WAITING_SITES by a single all-sites renewal.
 */
export class SiteGenerations {
  /** Token keys to renew that are not sent yet. */
  private readonly queued = new Set<string>();
  /** Token keys in the batch in flight. */
  private readonly sending = new Set<string>();
  /** The batch Redis has not answered yet. */
  private batch: Promise<void> | null = null;
  /** The batch after it, which every writer arriving meanwhile waits for. */
  private next: Promise<void> | null = null;
  /** Handlers attached to batch or next that have not run: a hung Redis may not pile them up. */
  private waiters = 0;
  private unansweredReads = 0;
  /** Until then (ms since the epoch) reads are not sent: the last one timed out. */
  private pausedUntil = 0;

  /** `feed`: pushes tokens to other processes and holds theirs (none: every read asks Redis). */
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly feed?: GenerationFeed,
    private readonly counted: (source: 'pushed' | 'redis') => void = () => undefined,
  ) {}

  /** True when no renewal of the tokens of this site's generation in this scope waits for Redis. */
  settled(siteId: string, scope: GenerationScope = 'shared'): boolean {
    if (this.queued.size === 0 && this.sending.size === 0) return true;
    return !this.keysOf(siteId, scope).some((key) => this.queued.has(key) || this.sending.has(key));
  }

  /**
   * The tokens a generation is made of. `shared` (what every reader without a login
   * sees): the site's token and the all-sites one. `own` (what authors see of their own):
   * those and the site's token for hidden changes, so that any change renews it.
   */
  private keysOf(siteId: string, scope: GenerationScope): string[] {
    const shared = [siteGenerationKey(this.keyPrefix, siteId), allSitesGenerationKey(this.keyPrefix)];
    return scope === 'shared' ? shared : [...shared, hiddenGenerationKey(this.keyPrefix, siteId)];
  }

  /** Renewals waiting for Redis (queued or unanswered); an all-sites renewal counts one. */
  get waiting(): number {
    return new Set([...this.queued, ...this.sending]).size;
  }

  /**
   * Gives the sites new tokens. The sites are unsettled from this call until Redis has
   * confirmed; rejects when that does not happen within timeoutMs (they stay unsettled
   * and are sent again on the next write, read or reconnect).
   */
  renew(sites: string[] | 'all', timeoutMs: number, change: 'visible' | 'hidden' = 'visible'): Promise<void> {
    const tokenOf = change === 'visible' ? siteGenerationKey : hiddenGenerationKey;
    this.enqueue(
      sites === 'all' ? [allSitesGenerationKey(this.keyPrefix)] : sites.map((s) => tokenOf(this.keyPrefix, s)),
    );
    return this.wait(this.flush(), timeoutMs);
  }

  /** Sends what is queued: at once when nothing is in flight, else right after the batch in flight. */
  flush(): Promise<void> {
    if (!this.batch) return this.send();
    if (!this.next) {
      this.next = this.batch
        .catch(() => undefined)
        .then(() => {
          this.next = null;
          // Someone may have started a batch in between: then this one follows it in turn.
          return this.flush();
        });
      this.next.catch(() => undefined);
    }
    return this.next;
  }

  /**
   * The site's current generation in a scope (see keysOf): its tokens, made when missing.
   * Null while the site is unsettled; throws when Redis does not answer.
   */
  async current(siteId: string, scope: GenerationScope = 'shared'): Promise<string | null> {
    if (!this.settled(siteId, scope)) {
      // One reader tries to deliver the waiting renewals; while a batch is unanswered, readers bypass.
      if (!this.batch) await this.wait(this.flush(), 500).catch(() => undefined);
      if (!this.settled(siteId, scope)) return null;
    }
    const keys = this.keysOf(siteId, scope);
    const held = this.feed && keys.map((key) => this.feed?.held(key));
    if (held?.every((t) => t !== undefined)) {
      this.counted('pushed');
      return held.join(':');
    }
    this.counted('redis');
    const mark = this.feed?.mark ?? 0;
    let tokens = await this.read(() => this.redis.mget(...keys));
    if (tokens.some((t) => t === null)) {
      // Never written, or Redis lost its data: a fresh token, never one used before.
      await this.read(() => Promise.all(keys.map((k) => this.redis.set(k, randomUUID(), 'NX'))));
      tokens = await this.read(() => this.redis.mget(...keys));
    }
    if (tokens.some((t) => t === null)) throw new Error('no generation');
    this.feed?.keep(mark, keys, tokens as string[]);
    return tokens.join(':');
  }

  private enqueue(keys: string[]): void {
    const all = allSitesGenerationKey(this.keyPrefix);
    // A new all-sites token changes every site's generation: site tokens need not wait beside it.
    if (this.queued.has(all)) return;
    if (keys.includes(all) || this.queued.size + keys.length > MAX_WAITING_SITES) {
      this.queued.clear();
      this.queued.add(all);
      return;
    }
    for (const key of keys) this.queued.add(key);
  }

  /** Starts a batch of what is queued; only flush() calls it, when no batch is in flight. */
  private send(): Promise<void> {
    if (this.queued.size === 0) return Promise.resolve();
    const keys = [...this.queued];
    this.queued.clear();
    for (const key of keys) this.sending.add(key);
    const pairs = keys.map((key): [string, string] => [key, randomUUID()]);
    const sent = (this.feed ? this.feed.renew(pairs) : this.redis.mset(...pairs.flat()))
      .then(
        () => undefined,
        (err: unknown) => {
          this.enqueue(keys);
          throw err;
        },
      )
      .finally(() => {
        this.sending.clear();
        this.batch = null;
      });
    // Whoever waits sees the failure; with nobody waiting it must not crash the process.
    sent.catch(() => undefined);
    this.batch = sent;
    return sent;
  }

  /** Waits for a batch, within timeoutMs; refuses when too many already wait on it. */
  private wait(batch: Promise<void>, timeoutMs: number): Promise<void> {
    if (this.waiters >= MAX_WAITING_WRITERS) return Promise.reject(new Error('too many waiting for Redis'));
    this.waiters += 1;
    return withTimeout(
      batch.finally(() => {
        this.waiters -= 1;
      }),
      timeoutMs,
    );
  }

  /**
   * One read, unless too many are already unanswered or one timed out just now: a hung
   * Redis answers none of them, and each reader asks at most once while it hangs (after
   * a timeout, readers bypass for READ_PAUSE_MS without asking).
   */
  private async read<T>(command: () => Promise<T>): Promise<T> {
    if (this.unansweredReads >= MAX_UNANSWERED_READS || Date.now() < this.pausedUntil)
      throw new Error('Redis is not answering');
    this.unansweredReads += 1;
    const answer = command().finally(() => {
      this.unansweredReads -= 1;
    });
    return withTimeout(answer, READ_TIMEOUT_MS).catch((err: unknown) => {
      if ((err as Error).message.startsWith('timed out')) this.pausedUntil = Date.now() + READ_PAUSE_MS;
      throw err;
    });
  }
}

/** The Redis key of a site's generation token (processes that write behind the API replace it). */
export function siteGenerationKey(keyPrefix: string, siteId: string): string {
  return `${keyPrefix}:pagegen:site:${siteId}`;
}

/** The Redis key of a site's token for changes only authors see (their pending comments). */
export function hiddenGenerationKey(keyPrefix: string, siteId: string): string {
  return `${keyPrefix}:pagegen:hidden:${siteId}`;
}

/** What a generation covers: pages every reader shares, or what authors see of their own. */
export type GenerationScope = 'shared' | 'own';

/** The Redis key of the token every site's generation also includes. */
export function allSitesGenerationKey(keyPrefix: string): string {
  return `${keyPrefix}:pagegen:all`;
}
