import { GenerationFeed } from '../../src/infra/generation-feed';
import { RedisConnections } from '../../src/infra/redis';
import { SiteGenerations } from '../../src/infra/site-generations';
import { eventually, Harness } from './harness';

/** How many public reads the page cache counted with this result (hit, miss, bypass, replay). */
export async function pageCacheCount(h: Harness, result: string): Promise<number> {
  const metric = await h.services.metrics.pageCache.get();
  return metric.values.find((v) => v.labels.result === result)?.value ?? 0;
}

/**
 * Reads answered from memory: a stored page the app serialized again (hit), or a stored
 * response replayed without the app (replay).
 */
export async function servedFromMemory(h: Harness): Promise<number> {
  return (await pageCacheCount(h, 'hit')) + (await pageCacheCount(h, 'replay'));
}

/**
 * What another process that writes does to the page cache, on connections of its own:
 * renews sites' generations, pushed to every process (it serves no reads itself).
 */
export async function otherProcess(h: Harness) {
  const redis = new RedisConnections(h.config.REDIS_URL as string);
  const feed = new GenerationFeed(redis.commands, redis.dedicated('other-feed'), h.config.QUEUE_PREFIX, false);
  const generations = new SiteGenerations(redis.commands, h.config.QUEUE_PREFIX, feed);
  await eventually(async () => redis.commands.status === 'ready');
  return {
    renew: (sites: string[]) => generations.renew(sites, 5000),
    close: async () => {
      await feed.close();
      await redis.close();
    },
  };
}

/** Has Redis drop the harness's generation-feed connection, as a restart would (it reconnects by itself). */
export async function cutFeedConnection(h: Harness): Promise<void> {
  const subscriber = h.services.pageCache.feed?.subscriber;
  const port = subscriber?.stream?.localPort;
  if (!subscriber || !port) throw new Error('the harness has no generation feed connection');
  await h.services.redis.client.client('KILL', 'ADDR', `127.0.0.1:${port}`);
  await eventually(async () => subscriber.status !== 'ready' || subscriber.stream?.localPort !== port);
}

/** How many generation lookups the harness made by source: pushed (no round trip) or redis. */
export async function generationReads(h: Harness, source: 'pushed' | 'redis'): Promise<number> {
  const metric = await h.services.metrics.generationReads.get();
  return metric.values.find((v) => v.labels.source === source)?.value ?? 0;
}
