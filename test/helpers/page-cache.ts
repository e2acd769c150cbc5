import type { Harness } from './harness';

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
