import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

/**
 * Pushes page-generation tokens to every process as they are renewed, so that a cached
 * read needs no Redis round trip: each process keeps the tokens it was told, and trusts
 * them only while it holds a *lease*.
 *
 * - A renewal sets the tokens and publishes them on one channel, in one script that also
 *   returns the processes that hold a lease (a registry of their last heartbeats, in
 *   Redis time). The writer answers only once each of them has acknowledged the message,
 *   or once that process's lease has certainly run out.
 * - Every LEASE_MS / 5 a process records a heartbeat and publishes a ping to itself in
 *   one script. When the ping comes back on its subscription, every message published
 *   before it has come back too (Redis delivers in order), so the tokens it holds are
 *   current as of the moment it sent the ping: its lease runs LEASE_MS from then.
 * - A process whose subscription is cut off, paused or slow stops hearing its pings, so
 *   its lease runs out no later than the writers stop waiting for it; then it reads the
 *   tokens from Redis again on every read (SiteGenerations), which is always safe.
 */
export class GenerationFeed {
  /** This process, as the registry and the ack channels name it. */
  readonly id = randomUUID();
  /** Tokens as pushed (or read while the lease held and no push came meanwhile), by Redis key. */
  private readonly tokens = new Map<string, string>();
  /** Until then (performance.now()) the tokens held are current; 0 while not subscribed. */
  private leaseUntil = 0;
  /** Counts the pushes received: a token read from Redis is kept only if none arrived meanwhile. */
  private pushes = 0;
  private pingSeq = 0;
  /** When each ping not yet heard back was sent (performance.now()). */
  private readonly pingsSent = new Map<number, number>();
  /** Renewals sent, by message id, and the acknowledgements they have had. */
  private readonly awaiting = new Map<string, AckWait>();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private beating = false;

  /**
   * `reads`: this process serves cached reads, so it listens to pushes, holds leases and
   * is waited for. A process that only writes (a worker) hears only its acknowledgements.
   */
  constructor(
    private readonly commands: Redis,
    /** The subscription's own connection. */
    readonly subscriber: Redis,
    private readonly keyPrefix: string,
    reads: boolean,
  ) {
    this.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    // Whatever was pushed while the subscription was down is lost: nothing held is trusted.
    for (const event of ['close', 'end', 'reconnecting'])
      this.subscriber.on(event, () => {
        this.leaseUntil = 0;
        this.tokens.clear();
        this.pingsSent.clear();
      });
    // ioredis subscribes again by itself after a reconnect.
    const channels = reads ? [this.feedChannel, this.ownChannel] : [this.ownChannel];
    this.subscriber.subscribe(...channels).catch(() => undefined);
    this.heartbeat = setInterval(() => this.beat(), LEASE_MS / 5);
    this.heartbeat.unref();
    if (reads) this.beat();
    else clearInterval(this.heartbeat);
  }

  /** The token held for this key, when the lease holds; undefined means: ask Redis. */
  held(key: string): string | undefined {
    if (performance.now() >= this.leaseUntil) return undefined;
    return this.tokens.get(key);
  }

  /** A mark to pass to keep(): what has been pushed so far. */
  get mark(): number {
    return this.pushes;
  }

  /** Keeps tokens read from Redis, unless a push arrived since `mark` (it may be newer than the read). */
  keep(mark: number, keys: string[], tokens: string[]): void {
    if (mark !== this.pushes || performance.now() >= this.leaseUntil) return;
    keys.forEach((key, i) => this.tokens.set(key, tokens[i] as string));
  }

  /**
   * Sets the tokens in Redis and pushes them; resolves once every process that holds a
   * lease has acknowledged, or once the lease of each that did not has run out. Rejects
   * when Redis does not take the renewal.
   */
  async renew(pairs: Array<[string, string]>): Promise<void> {
    // Until this process hears its own push, it asks Redis for these keys.
    for (const [key] of pairs) this.tokens.delete(key);
    const messageId = randomUUID();
    // Acks can come back before the script's reply: they are collected from the start.
    const waiting: AckWait = { acked: new Set(), missing: undefined, done: undefined };
    this.awaiting.set(messageId, waiting);
    try {
      const message = JSON.stringify({
        from: this.id,
        id: messageId,
        keys: pairs.map((p) => p[0]),
        tokens: pairs.map((p) => p[1]),
      });
      const reply = (await this.commands.eval(
        RENEW_SCRIPT,
        2 + pairs.length,
        this.registryKey,
        this.feedChannel,
        ...pairs.map((p) => p[0]),
        message,
        LEASE_MS,
        ...pairs.map((p) => p[1]),
      )) as Array<string | number>;
      const now = Number(reply[0]);
      let longest = 0;
      const missing = new Set<string>();
      for (let i = 1; i + 1 < reply.length; i += 2) {
        const reader = String(reply[i]);
        const remaining = Number(reply[i + 1]) + LEASE_MS - now;
        if (reader === this.id || remaining <= 0 || waiting.acked.has(reader)) continue;
        missing.add(reader);
        longest = Math.max(longest, remaining);
      }
      if (missing.size === 0 || this.closed) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => resolve(), longest + CLOCK_MARGIN_MS);
        waiting.missing = missing;
        waiting.done = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    } finally {
      this.awaiting.delete(messageId);
    }
  }

  /** Leaves the registry and the channels (on shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    this.leaseUntil = 0;
    for (const entry of this.awaiting.values()) entry.done?.();
    await this.commands.hdel(this.registryKey, this.id).catch(() => undefined);
  }

  private beat(): void {
    // One heartbeat in flight at most: a hung Redis does not pile them up in memory (and
    // without answers, no ping comes back: the lease runs out, as it must).
    if (this.closed || this.beating) return;
    this.beating = true;
    const seq = ++this.pingSeq;
    this.pingsSent.set(seq, performance.now());
    // Pings that never come back are forgotten after a while; their leases would have run out.
    for (const [old, at] of this.pingsSent) if (performance.now() - at > 10 * LEASE_MS) this.pingsSent.delete(old);
    this.commands
      .eval(HEARTBEAT_SCRIPT, 2, this.registryKey, this.ownChannel, this.id, String(seq))
      .catch(() => this.pingsSent.delete(seq))
      .finally(() => {
        this.beating = false;
      });
  }

  private onMessage(channel: string, message: string): void {
    if (channel === this.feedChannel) return this.onPush(message);
    if (channel !== this.ownChannel) return;
    if (message.startsWith('ping:')) {
      const seq = Number(message.slice(5));
      const sent = this.pingsSent.get(seq);
      if (sent === undefined) return;
      for (const s of this.pingsSent.keys()) if (s <= seq) this.pingsSent.delete(s);
      this.leaseUntil = Math.max(this.leaseUntil, sent + LEASE_MS);
    } else if (message.startsWith('ack:')) {
      const [, messageId, reader] = message.split(':');
      const entry = this.awaiting.get(messageId as string);
      if (!entry) return;
      entry.acked.add(reader as string);
      entry.missing?.delete(reader as string);
      if (entry.missing?.size === 0) entry.done?.();
    }
  }

  private onPush(message: string): void {
    let push: { from: string; id: string; keys: string[]; tokens: string[] };
    try {
      push = JSON.parse(message) as typeof push;
    } catch {
      return;
    }
    this.pushes += 1;
    push.keys.forEach((key, i) => this.tokens.set(key, push.tokens[i] as string));
    if (push.from === this.id) return;
    this.commands
      .publish(`${this.keyPrefix}:pagegen:proc:${push.from}`, `ack:${push.id}:${this.id}`)
      .catch(() => undefined);
  }

  private get feedChannel(): string {
    return `${this.keyPrefix}:pagegen:feed`;
  }

  private get ownChannel(): string {
    return `${this.keyPrefix}:pagegen:proc:${this.id}`;
  }

  private get registryKey(): string {
    return `${this.keyPrefix}:pagegen:readers`;
  }
}

interface AckWait {
  acked: Set<string>;
  /** Known once Redis has answered: the processes still to hear from. */
  missing: Set<string> | undefined;
  done: (() => void) | undefined;
}

/** How long a process trusts the tokens it holds after sending a ping it heard back. */
export const LEASE_MS = 500;
/** Added to a writer's wait for a silent process, for timers firing late. */
const CLOCK_MARGIN_MS = 20;

/**
 * KEYS: registry, feed channel, token keys…; ARGV: message, lease ms, tokens…. Sets the
 * tokens, publishes the message, forgets processes silent for ten leases, and returns
 * Redis's time in ms followed by each registered process and its last heartbeat.
 */
const RENEW_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 3, #KEYS do redis.call('SET', KEYS[i], ARGV[i]) end
redis.call('PUBLISH', KEYS[2], ARGV[1])
local reply = { now }
local readers = redis.call('HGETALL', KEYS[1])
for i = 1, #readers, 2 do
  local beat = tonumber(readers[i + 1])
  if now - beat > 10 * tonumber(ARGV[2]) then
    redis.call('HDEL', KEYS[1], readers[i])
  else
    table.insert(reply, readers[i])
    table.insert(reply, beat)
  end
end
return reply
`;

/** KEYS: registry, own channel; ARGV: process id, ping number. Records the heartbeat, then pings. */
const HEARTBEAT_SCRIPT = `
local t = redis.call('TIME')
redis.call('HSET', KEYS[1], ARGV[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
redis.call('PUBLISH', KEYS[2], 'ping:' .. ARGV[2])
return 1
`;
