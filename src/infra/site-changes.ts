import type { mongo, Query, Schema } from 'mongoose';
import { setLookups } from './mongo';
import { Semaphore } from './semaphore';

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

/**
 * On FerretDB, updateEach sends at most this many statements in one `update` command, and
 * one process has at most FERRETDB_UPDATES_IN_FLIGHT of those commands in flight (see
 * updateEach): a worker holds at most 2 × (4 + 1) of FerretDB's backend connections.
 */
export const FERRETDB_UPDATE_STATEMENTS = 4;
export const FERRETDB_UPDATES_IN_FLIGHT = 2;
const ferretDbUpdates = new Semaphore(FERRETDB_UPDATES_IN_FLIGHT);

/** One update statement of updateEach. */
export interface SiteScopedUpdate {
  /** Names the document (or with `many`, the documents) and their site (`siteId`). */
  filter: Record<string, unknown>;
  update: mongo.UpdateFilter<mongo.Document>;
  /** Updates every document the filter matches, not the first only. */
  many?: boolean;
}

/**
 * Sends update statements to a collection with siteChangesPlugin, unordered, and
 * announces the sites their filters name once they are answered, also when some failed
 * (the others may have happened). Mongoose's bulkWrite could only announce such a
 * write as a change of every site, since its hooks do not see the operations. Returns how
 * many documents were changed.
 *
 * On MongoDB they go as one command (one round trip). On FerretDB (SetLookup 'each') they
 * go in commands of FERRETDB_UPDATE_STATEMENTS, at most FERRETDB_UPDATES_IN_FLIGHT of this
 * process's at once: FerretDB 1.24 on PostgreSQL holds a backend connection for every
 * statement of an `update` command until the command ends, plus one to write, and its
 * pool has 50 connections. One command of 60 statements, two of 32, or about 50 single
 * updates arriving together leave every connection held, and the whole server stops
 * answering for good (found with 64 moderation jobs at once).
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
    const chunk = setLookups() === 'in' ? updates.length : FERRETDB_UPDATE_STATEMENTS;
    const commands: Array<readonly SiteScopedUpdate[]> = [];
    for (let i = 0; i < updates.length; i += chunk) commands.push(updates.slice(i, i + chunk));
    const send = (statements: readonly SiteScopedUpdate[]) =>
      model.collection.bulkWrite(
        statements.map(({ filter, update, many }) =>
          many ? { updateMany: { filter, update } } : { updateOne: { filter, update } },
        ),
        { ordered: false },
      );
    const results = await Promise.allSettled(
      commands.map((statements) =>
        setLookups() === 'in' ? send(statements) : ferretDbUpdates.run(() => send(statements)),
      ),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return results.reduce((n, r) => n + (r.status === 'fulfilled' ? r.value.modifiedCount : 0), 0);
  } finally {
    await notify(all ? 'all' : [...sites]);
  }
}
