import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { freePort, waitForPort } from './free-port';

/** A redis-server child process on loopback, without persistence. Development and tests only. */
export class EmbeddedRedis {
  private child?: ChildProcess;
  constructor(
    readonly port: number,
    private readonly binary: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<EmbeddedRedis> {
    const redis = new EmbeddedRedis(await freePort(), findRedisServer());
    await redis.restart();
    return redis;
  }

  /** Starts (again) on the same port: tests use this to take Redis away and bring it back. */
  async restart(): Promise<void> {
    this.child = spawn(
      this.binary,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    await waitForPort(this.port, 10_000);
  }

  /** Freezes the server (SIGSTOP): connections stay open and nothing is answered, as with a hung Redis. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Lets a frozen server go on; it then answers what it was sent meanwhile. */
  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    this.child = undefined;
  }
}

/** Finds redis-server, installing Debian's package when running as root and it is missing. */
function findRedisServer(): string {
  const found = which('redis-server');
  if (found) return found;
  if (process.getuid?.() === 0 && which('apt-get')) {
    process.stderr.write('redis-server not found; installing Debian package redis-server…\n');
    execFileSync(
      'sh',
      [
        '-c',
        'apt-get install -y redis-server >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y redis-server >/dev/null 2>&1)',
      ],
      { stdio: 'inherit' },
    );
    const installed = which('redis-server');
    if (installed) return installed;
  }
  throw new Error('redis-server is not installed and REDIS_URL is not set; install redis-server or set REDIS_URL');
}

function which(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
