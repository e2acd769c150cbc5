import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { eventIdOf, recordEvents } from '../src/modules/events/record-events';
import { AttemptModel } from '../src/modules/webhooks/webhook-delivery.model';
import { createSite, eventually, Harness, startHarness } from './helpers/harness';
import { REPO_ROOT } from './helpers/paths';
import { WebhookReceiver } from './helpers/webhook-receiver';

/**
 * A real worker process (dist/workers/worker.js) SIGKILLed while a receiver holds its
 * delivery: after a new worker starts, every event has been answered 2xx exactly once,
 * and those delivered before the kill are not sent again. The API runs in this process
 * (no workers here); the worker processes share its database, Redis and queue prefix.
 */
let h: Harness;
let receiver: WebhookReceiver;
const LEASE_MS = 1500;

beforeAll(async () => {
  h = await startHarness();
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await receiver.close();
  await h.close();
});

function startWorker(): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/workers/worker.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      MONGODB_URI: h.config.MONGODB_URI,
      REDIS_URL: h.config.REDIS_URL,
      ADMIN_API_KEY: h.config.ADMIN_API_KEY,
      IP_HASH_SECRET: h.config.IP_HASH_SECRET,
      QUEUE_PREFIX: h.config.QUEUE_PREFIX,
      LOG_LEVEL: 'info',
      WEBHOOK_NETWORK: 'loopback',
      WEBHOOK_TIMEOUT_MS: '500',
      WEBHOOK_LEASE_MS: String(LEASE_MS),
      WEBHOOK_RETRY_BASE_MS: '100',
      WEBHOOK_POLL_MS: '50',
      EVENT_POLL_MS: '50',
    },
  });
  child.stdout?.on('data', (d) => (out += String(d)));
  child.stderr?.on('data', (d) => (out += String(d)));
  return { child, output: () => out };
}

async function emit(siteId: string): Promise<string> {
  const cause = randomUUID();
  await recordEvents([{ type: 'comment.published', siteId, cause, data: { commentId: cause } }]);
  return eventIdOf('comment.published', cause);
}

describe('a worker killed mid-delivery', () => {
  it('when the worker is SIGKILLed while the receiver holds its request, then after a restart each event is answered 2xx exactly once and delivered ones are not sent again', async () => {
    const site = await createSite(h);
    const created = await h.http
      .post(`/api/v1/admin/sites/${site.id}/webhooks`)
      .set(h.admin)
      .send({ url: receiver.url, events: ['comment.published'] });
    expect(created.status).toBe(201);

    let worker = startWorker();
    try {
      await eventually(async () => worker.output().includes('workers started'), 20_000);
      const delivered = [await emit(site.id), await emit(site.id)];
      await receiver.until(() => delivered.every((id) => receiver.of(id).some((r) => r.answered === 200)));

      // The next one is held by the receiver, and the worker dies while it waits.
      receiver.plan.push('hang');
      const held = await emit(site.id);
      await receiver.until(() => receiver.of(held).length === 1);
      const exited = new Promise((r) => worker.child.once('exit', r));
      worker.child.kill('SIGKILL');
      await exited;
      const whileDead = await emit(site.id);

      worker = startWorker();
      await receiver.until(
        () => [held, whileDead].every((id) => receiver.of(id).some((r) => r.answered === 200)),
        20_000,
      );
      await new Promise((r) => setTimeout(r, LEASE_MS + 500)); // room for any duplicate to show

      for (const id of [...delivered, held, whileDead])
        expect({ id, answered2xx: receiver.of(id).filter((r) => r.answered === 200).length }).toEqual({
          id,
          answered2xx: 1,
        });
      for (const id of [...delivered, whileDead]) expect({ id, sent: receiver.of(id).length }).toEqual({ id, sent: 1 });
      // The held event: sent twice, answered once; its log says the first attempt's worker was lost.
      expect(receiver.of(held)).toHaveLength(2);
      const attempts = await eventually(async () => {
        const list = await AttemptModel.find({ eventId: held }).sort({ attempt: 1 }).lean();
        return list.length === 2 && list[0]!.status === 'lost' ? list : undefined;
      });
      expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
        [1, 'lost'],
        [2, 200],
      ]);
    } finally {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        const exited = new Promise((r) => worker.child.once('exit', r));
        worker.child.kill('SIGTERM');
        await exited;
      }
    }
  }, 60_000);
});
