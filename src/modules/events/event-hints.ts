import type Redis from 'ioredis';
import type { RedisConnections } from '../../infra/redis';
import { onEventsRecorded } from './event-signal';

/** At most one hint per this many milliseconds from one process: a burst of posts is one wake-up. */
const HINT_EVERY_MS = 20;

/**
 * Carries "events are ready" between processes on one Redis channel, holding no data. A
 * lost hint only means the dispatcher finds the events on its next poll.
 */
export function publishEventHints(redis: RedisConnections, prefix: string): () => void {
  let pending: NodeJS.Timeout | undefined;
  return onEventsRecorded(() => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      redis.commands.publish(channelOf(prefix), '1').catch(() => undefined);
    }, HINT_EVERY_MS);
    pending.unref();
  });
}

/** Calls `wake` on each hint from any process; returns the connection to close. */
export function listenForEventHints(redis: RedisConnections, prefix: string, wake: () => void): Redis {
  const connection = redis.dedicated('event-hints');
  connection.on('message', () => wake());
  // ioredis subscribes again by itself after a reconnect.
  connection.subscribe(channelOf(prefix)).catch(() => undefined);
  return connection;
}

function channelOf(prefix: string): string {
  return `${prefix}:events:ready`;
}
