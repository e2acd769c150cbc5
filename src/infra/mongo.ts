import mongoose from 'mongoose';
import type { Metrics } from './metrics';
import { Semaphore } from './semaphore';

/**
 * Connects mongoose. Written for MongoDB ≥ 6 and FerretDB 1.24 alike: no transactions,
 * no change streams, no $lookup/$facet, no TTL or partial indexes anywhere in the code.
 */
export async function connectMongo(uri: string): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  // Client input reaches queries only after zod has typed it as strings and numbers, so
  // no operator from a request can get into a filter.
  // Command monitoring feeds countDatabaseCommands: round trips are what a slow database charges for.
  const connected = await mongoose.connect(uri, {
    serverSelectionTimeoutMS: 5000,
    autoIndex: true,
    monitorCommands: true,
  });
  setLookup = (await isFerretDb()) ? 'each' : 'in';
  return connected;
}

/**
 * How a set of keys is looked up. MongoDB serves `{ field: { $in: keys } }` from an
 * index: one query for the set (`in`). FerretDB 1.x pushes only top-level equality
 * conditions down to its backend, so for a `$in` it reads and decodes every document of
 * the collection (on PostgreSQL about 130 µs each: 300 ms for 2500 comments); there, one
 * equality query per key, all sent at once, is far cheaper (`each`).
 */
export type SetLookup = 'in' | 'each';
let setLookup: SetLookup = 'in';

/** How this process looks sets up (decided when it connects). */
export function setLookups(): SetLookup {
  return setLookup;
}

/** For tests: looks sets up the given way from now on; returns the way it was. */
export function useSetLookups(kind: SetLookup): SetLookup {
  const before = setLookup;
  setLookup = kind;
  return before;
}

/** How many of lookUpSet's queries one process has in flight on FerretDB at once. */
const EACH_IN_FLIGHT = 16;
const eachLookups = new Semaphore(EACH_IN_FLIGHT);

/**
 * The documents of a set of keys, looked up the way the server answers best (see
 * SetLookup): `all(keys)` as one `$in` query, or `one(key)` for every key, EACH_IN_FLIGHT
 * at a time, so that a large set does not take every connection FerretDB has to its
 * backend from the other requests. A set of one is always looked up by `one`.
 */
export async function lookUpSet<K, D>(
  keys: readonly K[],
  one: (key: K) => Promise<D[]>,
  all: (keys: K[]) => Promise<D[]>,
): Promise<D[]> {
  if (keys.length === 0) return [];
  if (keys.length === 1) return one(keys[0]!);
  if (setLookup === 'in') return all([...keys]);
  return (await Promise.all(keys.map((key) => eachLookups.run(() => one(key))))).flat();
}

const equalityPushdown = new Map<string, Promise<boolean>>();
const assumedPushdown = new Map<string, boolean>();

/** For tests: answers pushesDownEquality for `collection` with `pushes` (undefined: asks the server again). */
export function assumeEqualityPushdown(collection: string, pushes: boolean | undefined): void {
  if (pushes === undefined) assumedPushdown.delete(collection);
  else assumedPushdown.set(collection, pushes);
}

/**
 * Whether the server answers an equality filter on any field of `collection` from its
 * backend rather than by reading every document: MongoDB does (indexes), FerretDB on
 * PostgreSQL does (it pushes equality down, though PostgreSQL still scans the table),
 * FerretDB on SQLite does not (only `_id`). Asked of FerretDB once per collection with
 * `explain`, which says `filterPushdown`; the collection must exist by then.
 */
export function pushesDownEquality(collection: string): Promise<boolean> {
  const assumed = assumedPushdown.get(collection);
  if (assumed !== undefined) return Promise.resolve(assumed);
  if (setLookup === 'in') return Promise.resolve(true);
  let known = equalityPushdown.get(collection);
  if (!known) {
    known = mongoose.connection
      .db!.command({ explain: { find: collection, filter: { _pushdownProbe: true } }, verbosity: 'queryPlanner' })
      .then(
        (explained) => explained.filterPushdown === true,
        () => false,
      );
    equalityPushdown.set(collection, known);
  }
  return known;
}

async function isFerretDb(): Promise<boolean> {
  try {
    const info = await mongoose.connection.db!.admin().command({ buildInfo: 1 });
    return typeof info.ferretdbVersion === 'string';
  } catch {
    return false;
  }
}

/**
 * Counts every command this process sends to the database in `metrics` (the benchmarks
 * divide it by the requests or jobs they made). Returns the function that stops counting.
 */
export function countDatabaseCommands(metrics: Metrics): () => void {
  const client = mongoose.connection.getClient();
  const count = (event: { commandName: string }): void => metrics.databaseCommands.inc({ command: event.commandName });
  client.on('commandStarted', count);
  return () => client.off('commandStarted', count);
}

/** Builds every declared index; run at start so queries are served by them from the first request. */
export async function ensureIndexes(): Promise<void> {
  for (const model of Object.values(mongoose.models)) {
    await model.createIndexes();
  }
}

/** True when the server answers a ping within the driver's timeout. */
export async function pingMongo(): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db || mongoose.connection.readyState !== 1) return false;
  try {
    await db.admin().command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}

export async function disconnectMongo(): Promise<void> {
  await mongoose.disconnect();
}

/**
 * True for a duplicate-key error: a unique index refused an insert. Several workflows rely
 * on this instead of transactions (claims, first-writer-wins upserts).
 */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number } | null)?.code === 11000;
}

/**
 * The positions of the documents an unordered insert refused as duplicates, or null when
 * the error is anything else (or names any other failure). Mongoose reports each refusal
 * as `{ index, err: { code } }`, the driver as `{ index, code }`.
 */
export function duplicateIndexes(err: unknown): Set<number> | null {
  const writeErrors = (err as { writeErrors?: unknown } | null)?.writeErrors;
  if (!Array.isArray(writeErrors) || writeErrors.length === 0) return null;
  const taken = new Set<number>();
  for (const writeError of writeErrors as Array<{ index?: unknown; code?: unknown; err?: { code?: unknown } }>) {
    const code = writeError.code ?? writeError.err?.code;
    if (code !== 11000 || typeof writeError.index !== 'number') return null;
    taken.add(writeError.index);
  }
  return taken;
}

/** True when an unordered insert failed only because some of its documents existed already. */
export function onlyDuplicates(err: unknown): boolean {
  return isDuplicateKey(err) || duplicateIndexes(err) !== null;
}
