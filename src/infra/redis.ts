import Redis, { RedisOptions } from 'ioredis';

/**
 * Redis connections. bull needs three kinds (client, subscriber, blocking client); the
 * first two are shared per process, the blocking one must be new each time.
 */
export class RedisConnections {
  private readonly shared: Redis[] = [];
  readonly client: Redis;
  readonly subscriber: Redis;
  /**
   * For quick commands (rate limits, health): fails at once while Redis is unreachable
   * instead of queueing, so callers can fall back rather than hang.
   */
  readonly commands: Redis;

  constructor(private readonly url: string) {
    this.client = this.open('client');
    this.subscriber = this.open('subscriber');
    this.commands = this.open('commands', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  }

  /** Options bull requires for its connections, plus a bounded reconnect delay. */
  private options(): RedisOptions {
    return {
      maxRetriesPerRequest: null,
      enableReadyCheck: false,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      lazyConnect: false,
    };
  }

  /** A connection of its own (a subscriber), closed with the others. */
  dedicated(kind: string): Redis {
    return this.open(kind);
  }

  private open(kind: string, overrides: RedisOptions = {}): Redis {
    const connection = new Redis(this.url, { ...this.options(), ...overrides, connectionName: `kommentarer-${kind}` });
    // Errors surface through commands and /readyz; an unhandled 'error' event would crash.
    connection.on('error', () => undefined);
    this.shared.push(connection);
    return connection;
  }

  /** bull's createClient hook: shared client and subscriber, a fresh blocking client. */
  forBull(type: 'client' | 'subscriber' | 'bclient'): Redis {
    if (type === 'client') return this.client;
    if (type === 'subscriber') return this.subscriber;
    return this.open('bclient');
  }

  /** True when Redis answers PING within a second. */
  async ping(): Promise<boolean> {
    try {
      // The queueing client: a ping during the first connect waits for it instead of failing.
      const answer = await withTimeout(this.client.ping(), 1000);
      return answer === 'PONG';
    } catch {
      return false;
    }
  }

  /**
   * Commands held in this process's memory for Redis: queued while it is unreachable, or
   * sent and not answered yet. What an outage costs in memory; bounded callers keep it small.
   */
  waitingCommands(): number {
    // ioredis keeps its offline queue private; its length is all this reads.
    return this.shared.reduce(
      (sum, c) =>
        sum + c.commandQueue.length + (c as unknown as { offlineQueue: { length: number } }).offlineQueue.length,
      0,
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.shared.map((c) => c.quit().catch(() => c.disconnect())));
  }
}

/** Rejects when the promise does not settle within ms. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
