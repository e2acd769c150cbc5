import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { API_HEAP_MB_DEFAULT, apiNodeFlags } from '../config/node-flags';
import { freePort } from '../src/dev/free-port';
import { REPO_ROOT } from './helpers/paths';

/**
 * The built entry points (npm run start:api / start:worker) as real processes: they start
 * against the real servers, answer, and shut down cleanly on SIGTERM.
 */
const root = REPO_ROOT;
const baseEnv = {
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'production',
  MONGODB_URI: process.env.MONGODB_URI ?? '',
  REDIS_URL: process.env.REDIS_URL ?? '',
  ADMIN_API_KEY: 'process-test-admin-key-0123',
  IP_HASH_SECRET: 'process-test-ip-secret-0123',
  QUEUE_PREFIX: 'process-test',
  LOG_LEVEL: 'info',
};

function run(
  script: string,
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  // The API with the flags it runs with in production (config/node-flags.ts).
  const flags = script === 'dist/src/server.js' ? apiNodeFlags(env) : [];
  return runCommand(process.execPath, [...flags, path.join(root, script)], env);
}

function runCommand(
  command: string,
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let out = '';
  const child = spawn(command, args, { env, cwd: root });
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('processes', () => {
  it('when the API process gets SIGTERM while a request is in flight, then the request completes and the process exits 0', async () => {
    const port = await freePort();
    const api = run('dist/src/server.js', { ...baseEnv, PORT: String(port) });
    await waitFor(() => api.output().includes('API listening'));
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    // A request whose body is still arriving when SIGTERM comes: it must still be answered.
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let answer = '';
    socket.on('data', (d) => {
      answer += String(d);
    });
    const body = JSON.stringify({ thread: 'x', body: 'hej' });
    socket.write(
      `POST /api/v1/sites/nope/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 5)}`,
    );
    await new Promise((r) => setTimeout(r, 200));
    api.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    socket.write(body.slice(5));
    await new Promise((r) => socket.once('close', r));
    expect(answer).toMatch(/^HTTP\/1\.1 404/);
    expect(await api.exited).toBe(0);
    expect(api.output()).toContain('shutting down');
  });

  it('when the worker process gets SIGTERM, then it closes its queues and exits 0', async () => {
    const worker = run('dist/workers/worker.js', baseEnv);
    await waitFor(() => worker.output().includes('workers started'));
    worker.child.kill('SIGTERM');
    const code = await worker.exited;
    if (code !== 0) throw new Error(`worker exited ${code}: ${worker.output()}`);
  });

  it('when started without NODE_ENV, ADMIN_API_KEY or IP_HASH_SECRET, then the API refuses to start, says what is missing and exits 1', async () => {
    const withoutSecrets: Record<string, string> = { ...baseEnv };
    for (const name of ['ADMIN_API_KEY', 'IP_HASH_SECRET', 'NODE_ENV']) delete withoutSecrets[name];
    const api = run('dist/src/server.js', { ...withoutSecrets, PORT: String(await freePort()) });
    await waitFor(() => api.child.exitCode !== null || api.output().includes('API listening'));
    if (api.child.exitCode === null) api.child.kill('SIGTERM');
    expect(await api.exited).toBe(1);
    const out = api.output();
    expect(out).toContain('ADMIN_API_KEY');
    expect(out).toContain('IP_HASH_SECRET');
    expect(out).toContain('NODE_ENV=development');
  });

  it('when METRICS_PORT is set, then the API serves /metrics there and not on its public port', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const api = run('dist/src/server.js', {
      ...baseEnv,
      PORT: String(port),
      HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPort),
    });
    try {
      await waitFor(() => api.output().includes('API listening') || api.child.exitCode !== null);
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      for (const queue of ['moderation', 'erasure', 'retention']) expect(text).toContain(`queue_jobs{queue="${queue}"`);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    } finally {
      api.child.kill('SIGTERM');
      expect(await api.exited).toBe(0);
    }
  });

  it("when METRICS_TOKEN is set, then the worker's metrics port asks for it as a bearer and shows every queue", async () => {
    const metricsPort = await freePort();
    const token = 'process-test-metrics-token-0123';
    const worker = run('dist/workers/worker.js', {
      ...baseEnv,
      WORKER_METRICS_PORT: String(metricsPort),
      METRICS_TOKEN: token,
    });
    try {
      await waitFor(() => worker.output().includes('workers started') || worker.child.exitCode !== null);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(401);
      expect(
        (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { Authorization: `Bearer ${token}x` } }))
          .status,
      ).toBe(401);
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      expect(text).toContain('jobs_processed_total');
      for (const queue of ['moderation', 'erasure', 'retention']) {
        expect(text).toContain(`jobs_failed_total{queue="${queue}"} 0`);
        expect(text).toMatch(new RegExp(`^queue_jobs\\{queue="${queue}",state="waiting"\\} \\d+$`, 'm'));
      }
    } finally {
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    }
  });

  it("when the image starts the API with API_HEAP_MB, then V8's heap is capped there, as the benchmarks and the fuzzer start it, and a cap too small for the page cache is warned of", async () => {
    const env = { ...baseEnv, PORT: String(await freePort()), API_HEAP_MB: '160', PAGE_CACHE_MB: '150' };
    expect(apiNodeFlags(env)).toEqual(['--max-old-space-size=160']);
    const api = runCommand('sh', ['docker/entrypoint.sh', 'api'], env);
    try {
      await waitFor(() => api.output().includes('API listening') || api.child.exitCode !== null);
      const listening = JSON.parse(
        api
          .output()
          .split('\n')
          .find((line) => line.includes('API listening'))!,
      );
      // The old generation's cap plus V8's young generation (3 × 16 MB semi-spaces).
      expect(listening.heapLimitMb).toBe(160 + 48);
      expect(api.output()).toContain('raise API_HEAP_MB or lower PAGE_CACHE_MB');
    } finally {
      api.child.kill('SIGTERM');
      expect(await api.exited).toBe(0);
    }
  });

  it('when API_HEAP_MB is not set, then the image, npm run start:api and the benchmarks use the same default cap', () => {
    const shell = `--max-old-space-size=\${API_HEAP_MB:-${API_HEAP_MB_DEFAULT}}`;
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.scripts['start:api']).toBe(`node ${shell} dist/src/server.js`);
    expect(fs.readFileSync(path.join(root, 'docker/entrypoint.sh'), 'utf8')).toContain(
      `api) exec node ${shell.replace('=', '="')}" dist/src/server.js ;;`,
    );
    expect(apiNodeFlags({})).toEqual([`--max-old-space-size=${API_HEAP_MB_DEFAULT}`]);
    expect(apiNodeFlags({ API_HEAP_MB: '' })).toEqual([`--max-old-space-size=${API_HEAP_MB_DEFAULT}`]);
  });

  it('when the configuration is invalid, then every problem is printed and the process exits 1', async () => {
    const api = run('dist/src/server.js', {
      PATH: baseEnv.PATH,
      NODE_ENV: 'production',
      PORT: 'abc',
      ADMIN_API_KEY: 'short',
    });
    expect(await api.exited).toBe(1);
    const out = api.output();
    expect(out).toContain('PORT');
    expect(out).toContain('ADMIN_API_KEY');
  });
});
