import { AsyncLocalStorage } from 'node:async_hooks';
import type { mongo, Query, Schema } from 'mongoose';
import { setLookups } from './mongo';
import { Semaphore } from './semaphore';

/**
 * Tells listeners which sites' stored data has just changed, for caches that must never
 * serve what was changed or erased. Fed by a mongoose plugin on the collections whose
 * content readers see, so every write path reports, including ones added later.
 *
 * A change is `visible` when readers without a login may see it, `hidden` when only the
 * author can (a comment that was and stays pending or rejected): hidden changes leave the
 * pages every reader shares alone and renew only what authors see of their own.
 */
export type ChangeScope = 'visible' | 'hidden';
export type SiteChangeListener = (sites: string[] | 'all', scope: ChangeScope) => Promise<void>;

const listeners = new Set<SiteChangeListener>();

/** Subscribes; returns the unsubscribe function. */
export function onSiteChange(listener: SiteChangeListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function announce(sites: string[] | 'all', scope: ChangeScope = 'visible'): Promise<void> {
  if (sites !== 'all' && sites.length === 0) return;
  // Listeners handle their own failures: a write that has happened must not report an error.
  await Promise.all([...listeners].map((listener) => listener(sites, scope)));
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

/** Announces now, or, inside announceOnce(), when it ends (then as a visible change). */
async function notify(sites: string[] | 'all', scope: ChangeScope = 'visible'): Promise<void> {
  const changes = held.getStore();
  if (changes && !changes.over) hold(changes, sites);
  else await announce(sites, scope);
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
export function sitesOfFilter(filter: Record<string, unknown>, siteField = 'siteId'): string[] | 'all' {
  const site = filter[siteField];
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

/** The query writes mongoose hooks see (the plugins here announce after each). */
export const QUERY_WRITES = [
  'findOneAndUpdate',
  'findOneAndDelete',
  'findOneAndReplace',
  'updateOne',
  'updateMany',
  'replaceOne',
  'deleteOne',
  'deleteMany',
] as const;

export interface SiteChangesOptions {
  /** The field that holds the site id (the sites collection's own is `_id`). */
  siteField?: string;
  /**
   * Values of `status` that only the author sees. A write is hidden when it can only
   * touch such documents and leaves them such: an insert of them, or an update or delete
   * whose filter requires such a status and that sets no other. Anything else is visible.
   */
  hiddenStatuses?: readonly string[];
  /**
   * For documents readers see only through others (commenters, through their comments'
   * names): the fields readers see. Then an insert is hidden (nothing refers to the new
   * document yet), and so is an update that sets none of these fields.
   */
  visibleFields?: readonly string[];
}

/**
 * Schema plugin: after every write the sites written to are announced, with the scope
 * of the change (inside announceOnce(), when the batch is over). The hooks run after the
 * write has happened and before the caller's await returns, so a reader that sees the
 * announcement can only read the new data.
 */
export function siteChangesPlugin(schema: Schema, options: SiteChangesOptions = {}): void {
  const field = options.siteField ?? 'siteId';
  const hidden = new Set(options.hiddenStatuses ?? []);
  const isHidden = (status: unknown) => typeof status === 'string' && hidden.has(status);
  const seenThrough = options.visibleFields;
  const scopeOf = (filter: Record<string, unknown>, update: unknown, op: (typeof QUERY_WRITES)[number]) => {
    if (hidden.size > 0 && hiddenWrite(filter, update, op, isHidden)) return 'hidden';
    if (seenThrough && !touchesFields(update, op, seenThrough)) return 'hidden';
    return 'visible';
  };
  for (const op of QUERY_WRITES) {
    schema.post(op, async function (this: Query<unknown, unknown>, result: unknown) {
      if (changedNothing(result, op)) return;
      const filter = this.getFilter();
      await notify(sitesOfFilter(filter, field), scopeOf(filter, this.getUpdate(), op));
    });
  }
  schema.pre('save', function () {
    // Whether this save inserted the document is gone by the time post('save') runs.
    this.$locals.inserted = this.isNew;
  });
  schema.post('save', async function (doc: Record<string, unknown> & { $locals: Record<string, unknown> }) {
    const site = doc[field];
    const inserted = doc.$locals.inserted === true;
    const scope = inserted && (isHidden(doc.status) || !!seenThrough) ? 'hidden' : 'visible';
    await notify(typeof site === 'string' ? [site] : 'all', scope);
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
  schema.post('insertMany', async function (docs: Array<Record<string, unknown>>) {
    const sites = docs.map((d) => d[field]);
    const scope = seenThrough || (hidden.size > 0 && docs.every((d) => isHidden(d.status))) ? 'hidden' : 'visible';
    await notify(sites.every((s): s is string => typeof s === 'string') ? [...new Set(sites)] : 'all', scope);
  });
}

/**
 * True when the write's answer says it matched nothing (so changed nothing). Only the
 * match is trusted, not a server's count of modified documents.
 */
function changedNothing(result: unknown, op: (typeof QUERY_WRITES)[number]): boolean {
  if (op.startsWith('findOneAnd')) return result === null;
  const r = result as { matchedCount?: number; upsertedCount?: number; deletedCount?: number } | null;
  if (!r || typeof r !== 'object') return false;
  if (op === 'deleteOne' || op === 'deleteMany') return r.deletedCount === 0;
  return r.matchedCount === 0 && (r.upsertedCount ?? 0) === 0;
}

/** True when an update may set or clear one of the fields (a delete or replace touches them all). */
function touchesFields(update: unknown, op: (typeof QUERY_WRITES)[number], fields: readonly string[]): boolean {
  if (op === 'deleteOne' || op === 'deleteMany' || op === 'findOneAndDelete') return true;
  if (op === 'replaceOne' || op === 'findOneAndReplace') return true;
  if (!update || typeof update !== 'object' || Array.isArray(update)) return true;
  const u = update as Record<string, unknown>;
  // $setOnInsert only writes a new document, which nothing refers to yet.
  return Object.entries(u).some(([operator, value]) => {
    if (operator === '$setOnInsert') return false;
    if (!operator.startsWith('$')) return fields.includes(operator);
    return !!value && typeof value === 'object' && fields.some((f) => f in (value as object));
  });
}

/** True when a query write can only touch documents of a hidden status and keeps them hidden. */
function hiddenWrite(
  filter: Record<string, unknown>,
  update: unknown,
  op: (typeof QUERY_WRITES)[number],
  isHidden: (status: unknown) => boolean,
): boolean {
  const required = filter.status;
  const within = (required as { $in?: unknown } | null)?.$in;
  const filterHidden =
    isHidden(required) || (Array.isArray(within) && within.length > 0 && within.every((s) => isHidden(s)));
  if (!filterHidden) return false;
  if (op === 'deleteOne' || op === 'deleteMany' || op === 'findOneAndDelete') return true;
  if (op === 'replaceOne' || op === 'findOneAndReplace') return isHidden((update as { status?: unknown })?.status);
  if (!update || typeof update !== 'object' || Array.isArray(update)) return false; // a pipeline: not inspected
  const u = update as Record<string, unknown>;
  // Only $set (and plain fields, which mongoose turns into $set) may name the status.
  if ('status' in ((u.$unset as object) ?? {}) || 'status' in ((u.$setOnInsert as object) ?? {})) return false;
  if ('status' in ((u.$rename as object) ?? {})) return false;
  const set = (u.$set as Record<string, unknown> | undefined) ?? {};
  for (const status of [set.status, u.status]) if (status !== undefined && !isHidden(status)) return false;
  return true;
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
