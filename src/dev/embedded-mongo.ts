import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, findPostgresBin } from './embedded-postgres';
import { freePort, waitForPort } from './free-port';

/** A running MongoDB-compatible server for development and tests. */
export interface EmbeddedMongo {
  uri: string;
  kind: 'mongodb-memory-server' | 'ferretdb-sqlite' | 'ferretdb-postgresql';
  stop(): Promise<void>;
}

/**
 * Starts MongoDB through mongodb-memory-server where its binary can be downloaded, and
 * otherwise FerretDB 1.24 (built from the Go module proxy by scripts/install-ferretdb.sh)
 * on SQLite; dataDir keeps its files between runs when given.
 *
 * With `backend: 'postgresql'` (or KOMMENTARER_FERRETDB_BACKEND=postgresql) and Debian's
 * PostgreSQL installed, FerretDB runs on a private PostgreSQL cluster instead: its SQLite
 * backend reads every document of a collection for any query not by _id, while on
 * PostgreSQL it pushes filters down to real indexes. The benchmarks use that.
 */
export async function startEmbeddedMongo(
  dataDir?: string,
  options: { backend?: 'sqlite' | 'postgresql' } = {},
): Promise<EmbeddedMongo> {
  if (process.env.KOMMENTARER_EMBEDDED_MONGO !== 'ferretdb') {
    const memory = await tryMemoryServer();
    if (memory) return memory;
  }
  const backend =
    options.backend ?? (process.env.KOMMENTARER_FERRETDB_BACKEND === 'postgresql' ? 'postgresql' : 'sqlite');
  const bin = backend === 'postgresql' ? findPostgresBin() : undefined;
  if (backend === 'postgresql' && !bin) process.stderr.write('PostgreSQL is not installed; FerretDB runs on SQLite\n');
  return bin ? startFerretDbOnPostgres(bin) : startFerretDb(dataDir);
}

async function startFerretDbOnPostgres(bin: string): Promise<EmbeddedMongo> {
  const pg = await startEmbeddedPostgres(bin);
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'kommentarer-ferretdb-'));
  const ferret = await spawnFerretDb(['--handler=pg', `--postgresql-url=${pg.url}`], state);
  return {
    uri: ferret.uri,
    kind: 'ferretdb-postgresql',
    stop: async () => {
      await ferret.stop();
      await pg.stop();
      fs.rmSync(state, { recursive: true, force: true });
    },
  };
}

async function tryMemoryServer(): Promise<EmbeddedMongo | undefined> {
  // mongodb-memory-server prints its download failures at length; one line is enough.
  const { warn, error } = console;
  console.warn = () => undefined;
  console.error = () => undefined;
  try {
    const { MongoMemoryServer } = await import('mongodb-memory-server');
    const server = await MongoMemoryServer.create();
    return {
      uri: server.getUri(),
      kind: 'mongodb-memory-server',
      stop: async () => {
        await server.stop();
      },
    };
  } catch (err) {
    process.stderr.write(`mongodb-memory-server unavailable (${(err as Error).name}); using FerretDB\n`);
    return undefined; // no binary and no way to download one here: fall back to FerretDB
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

async function startFerretDb(dataDir?: string): Promise<EmbeddedMongo> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kommentarer-ferretdb-'));
  fs.mkdirSync(dir, { recursive: true });
  const ferret = await spawnFerretDb(['--handler=sqlite', `--sqlite-url=file:${path.resolve(dir)}/`], dir);
  return {
    uri: ferret.uri,
    kind: 'ferretdb-sqlite',
    stop: async () => {
      await ferret.stop();
      if (!dataDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs FerretDB with the given backend flags on a free loopback port. */
async function spawnFerretDb(
  backendFlags: string[],
  stateDir: string,
): Promise<{ uri: string; stop(): Promise<void> }> {
  const binary = installFerretDb();
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    [
      ...backendFlags,
      `--listen-addr=127.0.0.1:${port}`,
      '--telemetry=disable',
      '--log-level=ERROR',
      '--debug-addr=-',
      `--state-dir=${path.resolve(stateDir)}`,
    ],
    { stdio: 'ignore' },
  );
  await waitForPort(port, 20_000);
  return {
    uri: `mongodb://127.0.0.1:${port}/kommentarer`,
    stop: async () => {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

function installFerretDb(): string {
  const script = path.resolve(__dirname, '../../scripts/install-ferretdb.sh');
  const candidates = [script, path.resolve(__dirname, '../../../scripts/install-ferretdb.sh')];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error('scripts/install-ferretdb.sh not found');
  return execFileSync('bash', [found], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop() as string;
}
