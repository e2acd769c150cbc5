import type { mongo, Query, Schema } from 'mongoose';

/**
 * Tells listeners which sites' stored data has just changed, for caches that must never
 * serve what was changed or erased. Fed by a mongoose plugin on the collections whose
 * content readers see, so every write path reports, including ones added later.
 */
export type SiteChangeListener = (sites: string[] | 'all') => Promise<void>;

const listeners = new Set<SiteChangeListener>();

/** Subscribes; returns the unsubscribe function. */
export function onSiteChange(listener: SiteChangeListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function notify(sites: string[] | 'all'): Promise<void> {
  if (sites !== 'all' && sites.length === 0) return;
  // Listeners handle their own failures: a write that has happened must not report an error.
  await Promise.all([...listeners].map((listener) => listener(sites)));
}

/** The sites a query filter is limited to, or 'all' when it names none. */
export function sitesOfFilter(filter: Record<string, unknown>): string[] | 'all' {
  const site = filter.siteId;
  if (typeof site === 'string') return [site];
  const within = (site as { $in?: unknown } | undefined)?.$in;
  if (Array.isArray(within) && within.every((s) => typeof s === 'string')) return [...new Set(within as string[])];
  return 'all';
}

const QUERY_WRITES = [
  'findOneAndUpdate',
  'findOneAndDelete',
  'findOneAndReplace',
  'updateOne',
  'updateMany',
  'replaceOne',
  'deleteOne',
  'deleteMany',
] as const;

/**
 * Schema plugin: after every write the sites written to are announced. The hooks run
 * after the write has happened and before the caller's await returns, so a reader that
 * sees the announcement can only read the new data.
 */
export function siteChangesPlugin(schema: Schema): void {
  for (const op of QUERY_WRITES) {
    schema.post(op, async function (this: Query<unknown, unknown>) {
      await notify(sitesOfFilter(this.getFilter()));
    });
  }
  schema.post('save', async function (doc: { siteId?: unknown }) {
    await notify(typeof doc.siteId === 'string' ? [doc.siteId] : 'all');
  });
  // bulkWrite's operations are not inspected: every site's pages go.
  schema.post('bulkWrite', async function () {
    await notify('all');
  });
  schema.post('insertMany', async function (docs: Array<{ siteId?: unknown }>) {
    const sites = docs.map((d) => d.siteId);
    await notify(sites.every((s): s is string => typeof s === 'string') ? [...new Set(sites)] : 'all');
  });
}

/** One single-document update of updateEach. */
export interface SiteScopedUpdate {
  /** Names the document and its site (`siteId`). */
  filter: Record<string, unknown>;
  update: mongo.UpdateFilter<mongo.Document>;
}

/**
 * Sends single-document updates of a collection with siteChangesPlugin as one command
 * (one round trip, unordered), and announces the sites their filters name once it has
 * been answered, also when it failed part-way (some updates may have happened). Mongoose's
 * bulkWrite could only announce such a command as a change of every site, since its
 * hooks do not see the operations. Returns how many documents were changed.
 */
export async function updateEach(
  model: { collection: Pick<mongo.Collection, 'bulkWrite'> },
  updates: readonly SiteScopedUpdate[],
): Promise<number> {
  if (updates.length === 0) return 0;
  const sites = new Set<string>();
  let all = false;
  for (const { filter } of updates) {
    const named = sitesOfFilter(filter);
    if (named === 'all') all = true;
    else for (const site of named) sites.add(site);
  }
  try {
    const result = await model.collection.bulkWrite(
      updates.map(({ filter, update }) => ({ updateOne: { filter, update } })),
      { ordered: false },
    );
    return result.modifiedCount;
  } finally {
    await notify(all ? 'all' : [...sites]);
  }
}
