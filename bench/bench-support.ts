/**
 * Small helpers shared by the benchmarks in bench/: node child processes with prefixed
 * output, /proc readings (RSS, CPU), database description, percentiles, and removing a
 * run's data from external servers. How a run starts and ends is in bench-lifecycle.ts.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import mongoose, { Connection } from 'mongoose';
import { apiNodeFlags } from '../config/node-flags';
import { mintCommenterToken } from '../src/modules/auth/mint-commenter-token';

/** The repository root: the benches run compiled, from dist/bench. */
export const ROOT = path.resolve(__dirname, '../..');
export const API_ENTRY = path.join(ROOT, 'dist/src/server.js');
export const WORKER_ENTRY = path.join(ROOT, 'dist/workers/worker.js');

/** The benches measure the built API and worker, so a missing build must stop them early. */
export function assertBuilt(): void {
  for (const entry of [API_ENTRY, WORKER_ENTRY]) {
    if (!fs.existsSync(entry)) throw new Error(`${entry} not found; run npm run build first`);
  }
}

export function positiveInt(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw && Number.isInteger(n) && n > 0 ? n : fallback;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface ChildOptions {
  /** Output lines of the child (its logs) are printed with a `[role]` prefix, at most this many. */
  maxPrintedLines?: number;
}

/**
 * A node child process (API or worker). Its output is passed through with a prefix, up
 * to a limit; every line is also counted by log message (pino's `msg`) for a summary.
 */
export class NodeChild {
  readonly child: ChildProcess;
  /** Log lines by message (or the raw line when it is not pino JSON). */
  readonly messages = new Map<string, number>();
  private printed = 0;
  private expected = false;

  constructor(
    readonly role: string,
    entry: string,
    env: NodeJS.ProcessEnv,
    cwd: string,
    options: ChildOptions = {},
    args: string[] = [],
  ) {
    const maxLines = options.maxPrintedLines ?? 20;
    // The API runs with the flags it runs with in production (config/node-flags.ts).
    const flags = entry === API_ENTRY ? apiNodeFlags(env) : [];
    this.child = spawn(process.execPath, [...flags, entry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        for (const line of chunk.split('\n').filter(Boolean)) {
          const key = messageOf(line);
          this.messages.set(key, (this.messages.get(key) ?? 0) + 1);
          if (this.printed < maxLines) console.error(`[${role}] ${line}`);
          else if (this.printed === maxLines) console.error(`[${role}] … (further output only counted)`);
          this.printed++;
        }
      });
    }
    this.child.once('exit', (code, signal) => {
      if (!this.expected) console.error(`[${role}] exited unexpectedly (code ${code}, signal ${signal})`);
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (the processes close gracefully), then SIGKILL after graceMs. */
  async stop(graceMs = 10_000): Promise<void> {
    this.expected = true;
    const child = this.child;
    if (!this.alive) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        console.error(`[${this.role}] pid ${child.pid} did not stop within ${graceMs} ms; killing it`);
        child.kill('SIGKILL');
      }, graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

function messageOf(line: string): string {
  try {
    const parsed = JSON.parse(line) as { msg?: unknown };
    if (typeof parsed.msg === 'string') return parsed.msg;
  } catch {
    // not JSON
  }
  return line.slice(0, 200);
}

/** Signs a commenter token for one site: HS256, valid for an hour. */
export type TokenSigner = (sub: string, name: string) => Promise<string>;

/**
 * Creates a bench site through the admin API (so the API validates it as it would any
 * site) with a fresh HS256 secret, and returns a signer of commenter tokens for it.
 * `settings`: the rest of the site (name, moderation, rate limits, …).
 */
export async function createSite(
  base: string,
  adminKey: string,
  siteId: string,
  settings: Record<string, unknown>,
): Promise<TokenSigner> {
  const secret = randomBytes(32).toString('hex');
  const put = await fetch(`${base}/api/v1/admin/sites/${siteId}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ origins: [], ...settings, auth: { hs256Secret: secret } }),
  });
  if (put.status !== 201) throw new Error(`site not created: ${put.status} ${await put.text()}`);
  return (sub, name) => mintCommenterToken({ siteId, secret, sub, name, expiresIn: 3600 });
}

/** Waits until GET /readyz answers 200. */
export async function waitReady(base: string, api: NodeChild, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!api.alive) throw new Error(`API process exited (code ${api.child.exitCode}) before it was ready`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`API not ready within ${timeoutMs} ms`);
}

/** A field of /proc/<pid>/status in kB (Linux only). */
export function readStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Peak resident memory of a process over an interval. Resets the kernel's high-water mark
 * (echo 5 > /proc/pid/clear_refs) at the start when allowed, so VmHWM at the end is this
 * interval's exact peak; always also samples VmRSS every 100 ms, as a fallback where the
 * reset is not allowed.
 */
export class PeakRss {
  readonly exact: boolean;
  private maxKb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.exact = resetHighWaterMark(pid);
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
  }

  /** Stops sampling; returns the peak in kB. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    const hwm = readStatusKb(this.pid, 'VmHWM');
    return this.exact && hwm !== undefined ? Math.max(hwm, this.maxKb) : this.maxKb;
  }

  private sample(): void {
    const kb = readStatusKb(this.pid, 'VmRSS');
    if (kb !== undefined && kb > this.maxKb) this.maxKb = kb;
  }
}

function resetHighWaterMark(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export function kbToMb(kb: number | undefined): string {
  return kb === undefined ? 'unknown' : (kb / 1024).toFixed(1);
}

interface ProcCpu {
  name: string;
  ppid: number;
  /** utime + stime, in clock ticks (usually 100 Hz). */
  ticks: number;
}

/** Every process's name, parent and CPU time from /proc/<pid>/stat (empty where there is no /proc). */
function readProcCpu(): Map<number, ProcCpu> {
  const all = new Map<number, ProcCpu>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return all;
  }
  for (const entry of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The name may contain spaces and parentheses; the fields after the last ')' do not.
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' '); // fields[0] is field 3 (state)
      all.set(Number(entry), {
        name: stat.slice(stat.indexOf('(') + 1, close),
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    } catch {
      // gone meanwhile
    }
  }
  return all;
}

/** CPU time (clock ticks) of this process's direct children, by pid. */
export function childCpuTicks(): Map<number, { name: string; ticks: number }> {
  const out = new Map<number, { name: string; ticks: number }>();
  for (const [pid, { name, ppid, ticks }] of readProcCpu()) {
    if (ppid === process.pid) out.set(pid, { name, ticks });
  }
  return out;
}

/**
 * Like childCpuTicks, but each direct child is charged for its whole process tree as
 * well: a PostgreSQL server under FerretDB does its work in backend processes that are
 * the postmaster's children.
 */
export function childTreeCpuTicks(): Map<number, { name: string; ticks: number }> {
  const all = readProcCpu();
  const out = new Map<number, { name: string; ticks: number }>();
  for (const [pid, proc] of all) {
    // Walk up to the ancestor that is a direct child of this process, if any.
    let top = pid;
    let parent = proc.ppid;
    for (let depth = 0; parent !== process.pid && depth < 32; depth++) {
      const up = all.get(parent);
      if (!up) break;
      top = parent;
      parent = up.ppid;
    }
    if (parent !== process.pid) continue;
    const root = all.get(top)!;
    const sum = out.get(top) ?? { name: root.name, ticks: 0 };
    sum.ticks += proc.ticks;
    out.set(top, sum);
  }
  return out;
}

/**
 * "worker 95%, ferretdb 80%, …" (100% = one core) over an interval of `ms`, the bench
 * process itself included under `selfLabel`; `labels` names pids (API, worker), which
 * /proc only knows as "node".
 */
export function cpuShares(
  before: Map<number, { name: string; ticks: number }>,
  after: Map<number, { name: string; ticks: number }>,
  selfCpuMicros: number,
  ms: number,
  labels: Map<number, string>,
  selfLabel = 'bench',
): string {
  if (after.size === 0 || ms <= 0) return '';
  const parts: Array<[string, number]> = [];
  for (const [pid, { name, ticks }] of after) {
    const used = ticks - (before.get(pid)?.ticks ?? 0);
    parts.push([labels.get(pid) ?? name, ((used * 10) / ms) * 100]);
  }
  parts.push([selfLabel, (selfCpuMicros / 1000 / ms) * 100]);
  return parts
    .sort((a, b) => b[1] - a[1])
    .map(([n, pct]) => `${n} ${pct.toFixed(0)}%`)
    .join(', ');
}

/** User plus system time, in µs, as cpuShares takes it. */
export function cpuMicros(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** "ferretdb 1.24.2 (embedded)" or "mongodb 7.0.14 (external)", from buildInfo. */
export async function describeDatabase(connection: Connection, where: string): Promise<string> {
  try {
    const info = await connection.db!.admin().command({ buildInfo: 1 });
    const ferret = info.ferretdbVersion as string | undefined;
    return ferret ? `ferretdb ${ferret.replace(/^v/, '')} (${where})` : `mongodb ${String(info.version)} (${where})`;
  } catch {
    return `unknown (${where})`;
  }
}

/** This run's METRICS_TOKEN: the API serves /metrics on its port only with it as the bearer. */
export const BENCH_METRICS_TOKEN = randomBytes(24).toString('hex');

/** The moderation queue's job counts by state, from the API's /metrics. */
export async function moderationQueueCounts(base: string): Promise<Record<string, number> | undefined> {
  try {
    const text = await (
      await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${BENCH_METRICS_TOKEN}` } })
    ).text();
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(/^queue_jobs\{([^}]*)\} (\d+)/gm)) {
      // Every queue has these series; only the moderation queue's count here.
      if (!/queue="moderation"/.test(m[1] ?? '')) continue;
      const state = /state="(\w+)"/.exec(m[1] ?? '')?.[1];
      if (state) counts[state] = Number(m[2]);
    }
    return Object.keys(counts).length ? counts : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Commands a process sent to the database so far, by command name, from the
 * database_commands_total counter of its /metrics (base: the API, or a metrics port).
 */
export async function databaseCommands(base: string): Promise<Map<string, number>> {
  return (await counterByLabel(`${base}/metrics`, 'database_commands_total', 'command')) ?? new Map();
}

/** `after - before` per command, divided by `per`, as "find 2.0, update 1.0 (total 3.0)". */
export function commandsPer(before: Map<string, number>, after: Map<string, number>, per: number): string {
  const rows = [...after]
    .map(([command, n]) => [command, (n - (before.get(command) ?? 0)) / Math.max(per, 1)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, n]) => sum + n, 0);
  return `${rows.map(([c, n]) => `${c} ${n.toFixed(2)}`).join(', ') || 'none'} (total ${total.toFixed(2)})`;
}

/**
 * One counter of a process's /metrics (the API's port, or a worker's WORKER_METRICS_PORT)
 * summed by the value of one label: `database_commands_total` by `command` gives the
 * database commands the process has sent so far. Undefined when the process did not answer.
 */
export async function counterByLabel(
  metricsUrl: string,
  name: string,
  label: string,
): Promise<Map<string, number> | undefined> {
  return (await scrapeCounters(metricsUrl, { [name]: label }))?.get(name);
}

/**
 * The values of Prometheus counters in a /metrics scrape (`metricsUrl`, with this run's
 * METRICS_TOKEN), by name and then by the value of one label (`label`; '' when it has none);
 * undefined when the scrape fails.
 */
export async function scrapeCounters(
  metricsUrl: string,
  names: Record<string, string>,
): Promise<Map<string, Map<string, number>> | undefined> {
  try {
    const res = await fetch(metricsUrl, {
      headers: { Authorization: `Bearer ${BENCH_METRICS_TOKEN}` },
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return undefined;
    const text = await res.text();
    const out = new Map<string, Map<string, number>>();
    for (const [name, label] of Object.entries(names)) {
      const values = new Map<string, number>();
      for (const m of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? ([0-9.e+]+)$`, 'gm'))) {
        const key = label ? (new RegExp(`${label}="([^"]*)"`).exec(m[1] ?? '')?.[1] ?? '') : '';
        values.set(key, (values.get(key) ?? 0) + Number(m[2]));
      }
      out.set(name, values);
    }
    return out;
  } catch {
    return undefined;
  }
}

/** What each label's count grew by between two scrapes of one counter (missing labels count as 0). */
export function counterGrowth(
  before: Map<string, number> | undefined,
  after: Map<string, number> | undefined,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, n] of after ?? []) {
    const grew = n - (before?.get(key) ?? 0);
    if (grew > 0) out.set(key, grew);
  }
  return out;
}

/** The sum of a counter's values over its labels. */
export function counterTotal(values: Map<string, number>): number {
  let n = 0;
  for (const v of values.values()) n += v;
  return n;
}

/** "update 120, find 80, …", largest first. */
export function formatCounter(values: Map<string, number>): string {
  return (
    [...values]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k || '(none)'} ${v}`)
      .join(', ') || 'none'
  );
}

/** 0 → "a", 25 → "z", 26 → "ba": distinct comment texts without digits (numbers may look like personal data). */
export function letters(n: number): string {
  let out = '';
  do {
    out = String.fromCharCode(97 + (n % 26)) + out;
    n = Math.floor(n / 26);
  } while (n > 0);
  return out;
}

export function formatCounts(counts: Record<string, number>): string {
  return (
    Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none'
  );
}

/** Deletes a bench site and everything stored under its id from an external database. */
export async function removeMongoData(uri: string, siteId: string): Promise<void> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await connection.asPromise();
    for (const { name } of await connection.db!.listCollections({}, { nameOnly: true }).toArray()) {
      await connection.db!.collection(name).deleteMany({ siteId });
    }
    await connection.db!.collection('sites').deleteOne({ _id: siteId as unknown as mongoose.mongo.ObjectId });
    console.log(`removed the bench site ${siteId} and its data from the external database`);
  } catch (err) {
    console.error(`could not remove the bench data of site ${siteId}: ${(err as Error).message}`);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Deletes a bench run's queue and rate-limit keys (`<prefix>:*`) from an external Redis. */
export async function removeRedisKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) removed += await client.del(...keys);
    } while (cursor !== '0');
    console.log(`removed ${removed} keys under ${prefix}: from the external Redis`);
  } catch (err) {
    console.error(`could not remove the bench keys under ${prefix}: ${(err as Error).message}`);
  } finally {
    client.disconnect();
  }
}

/**
 * Of the comments matching `filter`, the ids of those whose moderation job has not reached
 * Redis yet: they still have an entry in the outbox, which the worker's sweeper re-adds.
 */
export async function awaitingEnqueue(db: Connection, filter: Record<string, unknown>): Promise<Set<string>> {
  const ids = (
    await db
      .collection('comments')
      .find(filter, { projection: { _id: 1 } })
      .toArray()
  ).map((d) => d._id);
  return inOutbox(db, ids);
}

/** Of these comment ids, those with an entry in the outbox (as strings). */
export async function inOutbox(db: Connection, commentIds: unknown[]): Promise<Set<string>> {
  if (commentIds.length === 0) return new Set();
  const entries = await db
    .collection('moderation_outbox')
    .find({ commentId: { $in: commentIds } }, { projection: { commentId: 1 } })
    .toArray();
  return new Set(entries.map((e) => String(e.commentId)));
}
