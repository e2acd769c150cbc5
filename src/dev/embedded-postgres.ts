import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './free-port';

/** A private PostgreSQL cluster on loopback, for FerretDB's PostgreSQL backend. */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/** The directory of Debian's PostgreSQL server binaries, if the package is installed. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

/**
 * initdb + postgres in a temporary directory. PostgreSQL refuses to run as root, so as
 * root the cluster runs as the `postgres` user that Debian's package creates.
 */
export async function startEmbeddedPostgres(bin: string): Promise<EmbeddedPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kommentarer-pg-'));
  const asUser = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (asUser) fs.chownSync(dir, asUser.uid, asUser.gid);
  const ids = asUser ? { uid: asUser.uid, gid: asUser.gid } : {};
  execFileSync(path.join(bin, 'initdb'), ['-D', dir, '-U', 'postgres', '--auth=trust', '--no-sync'], {
    stdio: 'ignore',
    ...ids,
  });
  const port = await freePort();
  const child: ChildProcess = spawn(
    path.join(bin, 'postgres'),
    [
      '-D',
      dir,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
    ],
    { stdio: 'ignore', ...ids },
  );
  await waitForPort(port, 20_000);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      if (child.exitCode === null)
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGINT');
        });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresUser(): { uid: number; gid: number } {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('no postgres user to run PostgreSQL as (install the postgresql package)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
