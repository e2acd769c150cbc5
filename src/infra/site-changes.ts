import { AsyncLocalStorage } from 'node:async_hooks';
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

async function announce(sites: string[] | 'all'): Promise<void> {
  if (sites !== 'all' && sites.length === 0) return;
  // Listeners handle their own failures: a write that has happened must not report an error.
  await Promise.all([...listeners].map((listener) => listener(sites)));
}

/** The sites written to so far by the writes of one announceOnce(), held back until it ends. */
interface HeldChanges {
  sites: Set<string> | 'all';
  /** Set once the batch has announced: a write still running from inside it announces itself. */
  over: boolean;
}

const held = new AsyncLocalStorage<HeldChanges>();

function hold(changes: HeldChanges, sites: string[] | 'all'): void {
  if (changes.sites === 'all') return;
  if (sites === 'all') changes.sites = 'all';
  else for (const site of sites) changes.sites.add(site);
}

/** Announces now, or, inside announceOnce(), when it ends. */
async function notify(sites: string[] | 'all'): Promise<void> {
  const changes = held.getStore();
  if (changes && !changes.over) hold(changes, sites);
  else await announce(sites);
}

/**
 * Runs a batch of writes and announces the sites they wrote to once, when the batch is
 * over (whether it succeeded or failed, since some writes may have happened), instead of
 * after each write: readers then pay for one new generation of the site's pages, not one
 * per write. The announcement is made before this returns, so the batch's caller has the
 * same guarantee as a single write's. Within a batch, bulkWrite announces the sites its
 * operations name (each operation's filter, or inserted document, must name its siteId;
 * otherwise every site) instead of every site. A batch inside a batch joins the outer one.
 */
export async function announceOnce<T>(writes: () => Promise<T>): Promise<T> {
  const outer = held.getStore();
  if (outer && !outer.over) return writes();
  const changes: HeldChanges = { sites: new Set(), over: false };
  try {
    return await held.run(changes, writes);
  } finally {
    changes.over = true;
    await announce(changes.sites === 'all' ? 'all' : [...changes.sites]);
  }
}

/** The sites a query filter is limited to, or 'all' when it names none. */
export function sitesOfFilter(filter: Record<string, unknown>): string[] | 'all' {
  const site = filter.siteId;
  if (typeof site === 'string') return [site];
  const within = (site as { $in?: unknown } | undefined)?.$in;
  if (Array.isArray(within) && within.every((s) => typeof s === 'string')) return [...new Set(within as string[])];
  return 'all';
}

/** The sites a bulkWrite's operations write to, or 'all' when one of them names none. */
export function sitesOfBulkWrite(ops: ReadonlyArray<Record<string, unknown>>): string[] | 'all' {
  const sites = new Set<string>();
  for (const op of ops) {
    const [, spec] = Object.entries(op)[0] ?? [];
    const { filter, document } = (spec ?? {}) as { filter?: Record<string, unknown>; document?: { siteId?: unknown } };
    const named = filter ? sitesOfFilter(filter) : typeof document?.siteId === 'string' ? [document.siteId] : 'all';
    if (named === 'all') return 'all';
    for (const site of named) sites.add(site);
  }
  return [...sites];
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
 * Schema plugin: after every write the sites written to are announced (inside
 * announceOnce(), when the batch is over). The hooks run after the write has happened and
 * before the caller's await returns, so a reader that sees the announcement can only read
 * the new data.
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
  // Inside announceOnce(), the sites bulkWrite's operations name are held (before the
  // write: announced at the end of the batch either way); elsewhere every site's pages go.
  schema.pre('bulkWrite', function (next: () => void, ops: Array<Record<string, unknown>>) {
    const changes = held.getStore();
    if (changes && !changes.over) hold(changes, sitesOfBulkWrite(ops));
    next();
  });
  schema.post('bulkWrite', async function () {
    const changes = held.getStore();
    if (!changes || changes.over) await announce('all');
  });
  schema.post('insertMany', async function (docs: Array<{ siteId?: unknown }>) {
    const sites = docs.map((d) => d.siteId);
    await notify(sites.every((s): s is string => typeof s === 'string') ? [...new Set(sites)] : 'all');
  });
}
