import type { Query, Schema } from 'mongoose';

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
export function sitesOfFilter(filter: Record<string, unknown>, siteField = 'siteId'): string[] | 'all' {
  const site = filter[siteField];
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
 * sees the announcement can only read the new data. `siteField` names the field that
 * holds the site id (the sites collection's own is `_id`).
 */
export function siteChangesPlugin(schema: Schema, options: { siteField?: string } = {}): void {
  const field = options.siteField ?? 'siteId';
  for (const op of QUERY_WRITES) {
    schema.post(op, async function (this: Query<unknown, unknown>) {
      await notify(sitesOfFilter(this.getFilter(), field));
    });
  }
  schema.post('save', async function (doc: Record<string, unknown>) {
    const site = doc[field];
    await notify(typeof site === 'string' ? [site] : 'all');
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
