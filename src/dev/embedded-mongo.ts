import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './free-port';

/** A running MongoDB-compatible server for development and tests. */
export interface EmbeddedMongo {
  uri: string;
  kind: 'mongodb-memory-server' | 'ferretdb';
  stop(): Promise<void>;
}

/**
 * Starts MongoDB through mongodb-memory-server where its binary can be downloaded, and
 * otherwise FerretDB 1.24 on SQLite (built from the Go module proxy by
 * scripts/install-ferretdb.sh). dataDir keeps FerretDB's files between runs when given.
 */
export async function startEmbeddedMongo(dataDir?: string): Promise<EmbeddedMongo> {
  if (process.env.KOMMENTARER_EMBEDDED_MONGO !== 'ferretdb') {
    const memory = await tryMemoryServer();
    if (memory) return memory;
  }
  return startFerretDb(dataDir);
}

async function tryMemoryServer(): Promise<EmbeddedMongo | undefined> {
  // mongodb-memory-server prints its download failures at length; one line is enough.
  const { warn, error } = console;
  console.warn = () => undefined;
  console.error = () => undefined;
  try {
    const { MongoMemoryServer } = await import('mongodb-memory-server');
    const server = await MongoMemoryServer.create();
    return { uri: server.getUri(), kind: 'mongodb-memory-server', stop: async () => { await server.stop(); } };
  } catch (err) {
    process.stderr.write(`mongodb-memory-server unavailable (${(err as Error).name}); using FerretDB\n`);
    return undefined; // no binary and no way to download one here: fall back to FerretDB
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

async function startFerretDb(dataDir?: string): Promise<EmbeddedMongo> {
  const binary = installFerretDb();
  const port = await freePort();
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kommentarer-ferretdb-'));
  fs.mkdirSync(dir, { recursive: true });
  const child: ChildProcess = spawn(binary, [
    '--handler=sqlite',
    `--sqlite-url=file:${path.resolve(dir)}/`,
    `--listen-addr=127.0.0.1:${port}`,
    '--telemetry=disable',
    '--log-level=ERROR',
    '--debug-addr=-',
    `--state-dir=${path.resolve(dir)}`,
  ], { stdio: 'ignore' });
  await waitForPort(port, 20_000);
  return {
    uri: `mongodb://127.0.0.1:${port}/kommentarer`,
    kind: 'ferretdb',
    stop: async () => {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
      if (!dataDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function installFerretDb(): string {
  const script = path.resolve(__dirname, '../../scripts/install-ferretdb.sh');
  const candidates = [script, path.resolve(__dirname, '../../../scripts/install-ferretdb.sh')];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error('scripts/install-ferretdb.sh not found');
  return execFileSync('bash', [found], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop() as string;
}
