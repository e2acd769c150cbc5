import type { Query, Schema } from 'mongoose';
import { QUERY_WRITES, sitesOfFilter } from './site-changes';

/**
 * Tells listeners which sites' *refusal facts* have just changed: what can refuse a post
 * or an edit before anything is written (bans, thread states, erasures under way). Fed
 * by a mongoose plugin on those collections, so every write path reports, including
 * ones added later and a test's direct write. See refusal-cache.ts for the listener.
 */
export type RefusalChangeListener = (sites: string[] | 'all') => Promise<void>;

const listeners = new Set<RefusalChangeListener>();

/** Subscribes; returns the unsubscribe function. */
export function onRefusalChange(listener: RefusalChangeListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function notify(sites: string[] | 'all'): Promise<void> {
  if (sites !== 'all' && sites.length === 0) return;
  // Listeners handle their own failures: a write that has happened must not report an error.
  await Promise.all([...listeners].map((listener) => listener(sites)));
}

/** An update that only sets fields on insert: it changes no stored document, it can only add one. */
function insertOnly(update: unknown): boolean {
  if (!update || typeof update !== 'object' || Array.isArray(update)) return false;
  const keys = Object.keys(update);
  return keys.length > 0 && keys.every((k) => k === '$setOnInsert');
}

/**
 * Schema plugin: after every write the sites written to are announced, before the
 * caller's await returns, so once a write has answered every process that reads the
 * sites' tokens reads the new facts. A filter that names no site announces all sites.
 * `quietInsertOnlyUpserts`: upserts that only set fields on insert are not announced,
 * for a collection of which the refusal cache never holds an absent document.
 */
export function refusalChangesPlugin(schema: Schema, options: { quietInsertOnlyUpserts?: boolean } = {}): void {
  for (const op of QUERY_WRITES) {
    schema.post(op, async function (this: Query<unknown, unknown>) {
      // For a collection whose absent documents are never cached, adding one changes nothing cached.
      if (options.quietInsertOnlyUpserts && insertOnly(this.getUpdate())) return;
      await notify(sitesOfFilter(this.getFilter()));
    });
  }
  schema.post('save', async function (doc: Record<string, unknown>) {
    const site = doc.siteId;
    await notify(typeof site === 'string' ? [site] : 'all');
  });
  schema.post('bulkWrite', async function () {
    await notify('all');
  });
  schema.post('insertMany', async function (docs: Array<{ siteId?: unknown }>) {
    const sites = docs.map((d) => d.siteId);
    await notify(sites.every((s): s is string => typeof s === 'string') ? [...new Set(sites)] : 'all');
  });
}
