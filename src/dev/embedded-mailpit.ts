import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './free-port';

/**
 * A Mailpit child process on loopback: an SMTP server that accepts any mail (and any
 * credentials, or none) and keeps it, with an HTTP API to read it back. Tests only.
 */
export class EmbeddedMailpit {
  private constructor(
    readonly smtpPort: number,
    readonly httpPort: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  get smtpUrl(): string {
    return `smtp://127.0.0.1:${this.smtpPort}`;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  static async start(): Promise<EmbeddedMailpit> {
    const binary = findMailpit();
    const smtpPort = await freePort();
    let httpPort = await freePort();
    // The OS may hand out the port it just gave back; two servers cannot share it.
    while (httpPort === smtpPort) httpPort = await freePort();
    // Our own directory for the database and the log, so stop() removes both even where
    // Mailpit's own temporary database (deleted on SIGTERM only) would be left behind.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kommentarer-mailpit-'));
    const log = path.join(dir, 'mailpit.log');
    const child = spawn(
      binary,
      [
        `--smtp=127.0.0.1:${smtpPort}`,
        `--listen=127.0.0.1:${httpPort}`,
        `--database=${path.join(dir, 'mailpit.db')}`,
        // nodemailer without credentials works, and so does any user/password over plain SMTP.
        '--smtp-auth-accept-any',
        '--smtp-auth-allow-insecure',
        // Nothing leaves the machine: no reverse DNS of the client, no release check on GitHub.
        '--smtp-disable-rdns',
        '--disable-version-check',
        // Keep every message: the default prunes beyond 500, which a long run could reach.
        '--max=0',
        '--quiet',
        `--log-file=${log}`,
      ],
      { stdio: 'ignore' },
    );
    const mailpit = new EmbeddedMailpit(smtpPort, httpPort, child, dir);
    try {
      await Promise.race([mailpit.ready(20_000), exited(child)]);
      await waitForPort(smtpPort, 5_000);
    } catch (err) {
      const said = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().slice(-2000) : '';
      await mailpit.stop();
      throw new Error(`Mailpit did not start (${(err as Error).message})${said ? `: ${said}` : ''}`);
    }
    return mailpit;
  }

  /** Resolves once the HTTP API answers /readyz (the database is open), polling briefly. */
  private async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) return; // exited() reports it
      try {
        const res = await fetch(`${this.apiUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no answer from ${this.apiUrl}/readyz within ${timeoutMs} ms`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    // A child that never spawned (no pid) sends no 'exit' either.
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        // SIGTERM lets it close the database; SIGKILL if it has not gone within 5 s.
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Rejects when the process ends: a Mailpit that exits at start never becomes ready. */
function exited(child: ChildProcess): Promise<never> {
  return new Promise((_, reject) => {
    const fail = (why: string) => reject(new Error(why));
    if (child.exitCode !== null) fail(`exited with ${child.exitCode}`);
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? code}`));
    child.once('error', (err) => fail(err.message));
  });
}

/**
 * MAILPIT_BIN when set; otherwise scripts/install-mailpit.sh, which prints the cached build
 * (~/.cache/kommentarer/mailpit-<version>) and builds it first when it is missing. The
 * script alone knows the version and the path, so they cannot drift apart.
 */
function findMailpit(): string {
  const given = process.env.MAILPIT_BIN;
  if (given) {
    if (!fs.existsSync(given)) throw new Error(`MAILPIT_BIN is set but ${given} does not exist`);
    return given;
  }
  // From src/dev (ts-node) or dist/src/dev (the build) to the repository's scripts/.
  const candidates = [
    path.resolve(__dirname, '../../scripts/install-mailpit.sh'),
    path.resolve(__dirname, '../../../scripts/install-mailpit.sh'),
  ];
  const script = candidates.find((p) => fs.existsSync(p));
  if (!script) throw new Error('scripts/install-mailpit.sh not found; set MAILPIT_BIN or SMTP_TEST_URL');
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop() as string;
}
