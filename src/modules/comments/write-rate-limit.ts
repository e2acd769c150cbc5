import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../../shared/errors';
import { keyedHash } from '../../infra/keyed-hash';
import type { Logger } from '../../infra/logger';
import type { RedisConnections } from '../../infra/redis';
import type { Site } from '../sites/site.service';

type Kind = 'commenter' | 'ip' | 'erasure' | 'notice-ip' | 'notice-comment';

/** Erasure requests one data subject may file per hour (each one mints a receipt token). */
export const ERASURE_REQUESTS_PER_HOUR = 5;

/**
 * Per-site write limits, per commenter and per client IP, counted in Redis so that every
 * API process shares them. Counter keys are keyed hashes: Redis never sees a user id or
 * an IP. While Redis is unreachable an in-process limiter stands in, so writes go on.
 */
export class WriteRateLimit {
  private readonly limiters = new Map<string, RateLimiterRedis>();

  constructor(
    private readonly redis: RedisConnections,
    private readonly prefix: string,
    private readonly secret: string,
    private readonly logger: Logger,
  ) {}

  private limiter(kind: Kind, points: number, duration = 60): RateLimiterRedis {
    const id = `${kind}:${points}:${duration}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis.commands,
        keyPrefix: `${this.prefix}:rl:${kind}`,
        points,
        duration,
        insuranceLimiter: new RateLimiterMemory({ points, duration }),
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  /**
   * Counts one write; throws 429 RATE_LIMITED with Retry-After when over either limit.
   * The IP arrives already hashed: the same hash that is stored on comments, so erasure
   * can find the IP's counters from the comments alone.
   */
  async consume(site: Site, sub: string, ipHash: string): Promise<void> {
    const { commentsPerCommenterPerMinute, commentsPerIpPerMinute } = site.config.rateLimits;
    await this.take(this.limiter('commenter', commentsPerCommenterPerMinute), this.counterKey(site.id, 'c', sub));
    await this.take(this.limiter('ip', commentsPerIpPerMinute), this.counterKey(site.id, 'i', ipHash));
  }

  /** Counts one erasure request of a data subject (by pseudonymous reference); 429 over the hourly limit. */
  async consumeErasureRequest(siteId: string, subjectRef: string): Promise<void> {
    await this.take(this.limiter('erasure', ERASURE_REQUESTS_PER_HOUR, 3600), this.counterKey(siteId, 'e', subjectRef));
  }

  /** Counts one notice of illegal content, per sender's IP hash and per comment noticed; 429 over either hourly limit. */
  async consumeNotice(site: Site, ipHash: string, commentId: string): Promise<void> {
    const { noticesPerIpPerHour, noticesPerCommentPerHour } = site.config.rateLimits;
    await this.take(this.limiter('notice-ip', noticesPerIpPerHour, 3600), this.counterKey(site.id, 'ni', ipHash));
    await this.take(
      this.limiter('notice-comment', noticesPerCommentPerHour, 3600),
      this.counterKey(site.id, 'nc', commentId),
    );
  }

  /** The full Redis key of a data subject's erasure-request counter, for erasure. */
  erasureKey(siteId: string, subjectRef: string): string {
    return `${this.prefix}:rl:erasure:${this.counterKey(siteId, 'e', subjectRef)}`;
  }

  /** The key (after the limiter's prefix) that counts a commenter ('c') or an IP hash ('i'). */
  counterKey(siteId: string, kind: 'c' | 'i' | 'e' | 'ni' | 'nc', value: string): string {
    return `${siteId}:${keyedHash(this.secret, `${kind}:${siteId}:${value}`)}`;
  }

  /** The full Redis key of a commenter's counter (rate-limiter-flexible adds the prefix), for erasure. */
  commenterKey(siteId: string, sub: string): string {
    return `${this.prefix}:rl:commenter:${this.counterKey(siteId, 'c', sub)}`;
  }

  /** The full Redis keys of the counters of these IP hashes, for erasure. */
  ipKeys(siteId: string, ipHashes: string[]): string[] {
    return ipHashes.map((h) => `${this.prefix}:rl:ip:${this.counterKey(siteId, 'i', h)}`);
  }

  private async take(limiter: RateLimiterRedis, key: string): Promise<void> {
    try {
      await limiter.consume(key, 1);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        throw new AppError('RATE_LIMITED', { retryAfterSeconds: seconds }, { 'Retry-After': String(seconds) });
      }
      this.logger.warn({ errName: (err as Error).name }, 'rate limiter unavailable; write allowed');
    }
  }
}
