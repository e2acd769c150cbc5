import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { eventIdOf, recordEvents } from '../src/modules/events/record-events';
import { checkDestination, parseDestination } from '../src/modules/webhooks/webhook-destination';
import { createWebhookNetwork, loopbackResolver } from '../src/modules/webhooks/webhook-network';
import type { Resolver } from '../src/modules/webhooks/webhook-destination';
import { createSite, eventually, Harness, startHarness } from './helpers/harness';
import type { RunningWorkers } from '../src/worker-process';

/**
 * Webhook destinations in production mode (NODE_ENV=production, no
 * WEBHOOK_ALLOW_PRIVATE_ADDRESSES): https only, and nothing that resolves to loopback,
 * private, link-local or metadata addresses, at creation and again at each delivery, refused
 * before any connection is made. A TCP server on 127.0.0.1 counts the connections it gets:
 * none. No name is ever resolved by DNS here (WEBHOOK_NETWORK=loopback, or the test's own
 * resolver).
 */
let h: Harness;
let workers: RunningWorkers;
let trap: net.Server;
let connections = 0;
let port = 0;

beforeAll(async () => {
  h = await startHarness({
    NODE_ENV: 'production',
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_TIMEOUT_MS: '400',
    WEBHOOK_POLL_MS: '50',
    EVENT_POLL_MS: '50',
  });
  workers = await h.startWorkers();
  trap = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  port = (trap.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => trap.close(r));
  await h.close();
});

describe('webhook destinations in production', () => {
  it('when a webhook is created for http, loopback, private, link-local, metadata or unresolvable destinations, then it is refused with 400 and nothing is connected to', async () => {
    const site = await createSite(h);
    const refused = [
      `http://127.0.0.1:${port}/hook`,
      `https://127.0.0.1:${port}/hook`,
      `https://localhost:${port}/hook`,
      `https://[::1]:${port}/hook`,
      `https://[::ffff:127.0.0.1]:${port}/hook`,
      'https://10.1.2.3/hook',
      'https://172.16.0.1/hook',
      'https://192.168.1.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[fd00::1]/hook',
      'https://[fe80::1]/hook',
      'https://0.0.0.0/hook',
      'https://100.64.0.1/hook',
      'https://hooks.example.com/hook', // not resolved: no DNS query in tests
    ];
    for (const url of refused) {
      const res = await h.http
        .post(`/api/v1/admin/sites/${site.id}/webhooks`)
        .set(h.admin)
        .send({ url, events: ['comment.published'] });
      expect({ url, status: res.status, code: res.body.error?.code }).toEqual({
        url,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.error.details.issues[0]).toMatchObject({
        path: 'url',
        problem: expect.stringMatching(/refused/),
      });
    }
    expect(connections).toBe(0);
  });

  it('when a name resolved to a public address at creation resolves to loopback at delivery (DNS rebinding), then each attempt is refused before connecting', async () => {
    let calls = 0;
    const rebinding: Resolver = async (hostname) => {
      if (hostname !== 'rebind.example') throw new Error('unknown');
      calls++;
      return calls === 1 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    };
    h.services.webhookNetwork.resolve = rebinding;
    workers.services.webhookNetwork.resolve = rebinding;
    try {
      const site = await createSite(h);
      const created = await h.http
        .post(`/api/v1/admin/sites/${site.id}/webhooks`)
        .set(h.admin)
        .send({ url: `https://rebind.example:${port}/hook`, events: ['comment.published'] });
      expect(created.status).toBe(201);
      const cause = randomUUID();
      await recordEvents([{ type: 'comment.published', siteId: site.id, cause, data: { commentId: 'c1' } }]);
      const log = await eventually(async () => {
        const res = await h.http
          .get(`/api/v1/admin/sites/${site.id}/webhooks/${created.body.webhook.id}/deliveries`)
          .set(h.admin);
        return res.body.deliveries?.filter((d: { status: unknown }) => d.status !== null).length >= 2
          ? res.body.deliveries
          : undefined;
      });
      expect(log[log.length - 1]).toMatchObject({
        eventId: eventIdOf('comment.published', cause),
        attempt: 1,
        status: 'refused',
        nextAttemptAt: expect.any(String),
      });
      expect(log.every((d: { status: unknown }) => d.status === 'refused' || d.status === null)).toBe(true);
      expect(calls).toBeGreaterThanOrEqual(3); // checked again at every attempt
      expect(connections).toBe(0);
    } finally {
      h.services.webhookNetwork.resolve = loopbackResolver;
      workers.services.webhookNetwork.resolve = loopbackResolver;
    }
  });

  it('when a public address is allowed at creation but the process may reach loopback only (tests, the fuzz target), then delivery is refused before connecting', async () => {
    const site = await createSite(h);
    const created = await h.http
      .post(`/api/v1/admin/sites/${site.id}/webhooks`)
      .set(h.admin)
      .send({ url: 'https://93.184.216.34/hook', events: ['comment.published'] });
    expect(created.status).toBe(201);
    await recordEvents([{ type: 'comment.published', siteId: site.id, cause: randomUUID(), data: {} }]);
    const [entry] = await eventually(async () => {
      const res = await h.http
        .get(`/api/v1/admin/sites/${site.id}/webhooks/${created.body.webhook.id}/deliveries`)
        .set(h.admin);
      const done = res.body.deliveries?.filter((d: { status: unknown }) => d.status !== null);
      return done?.length ? done : undefined;
    });
    expect(entry.status).toBe('refused');
  });

  it('when WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true in production, then private addresses pass the check but http still does not', async () => {
    const network = createWebhookNetwork({
      NODE_ENV: 'production',
      WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
      WEBHOOK_NETWORK: 'loopback',
    });
    const url = parseDestination(`https://127.0.0.1:${port}/hook`, network.policy);
    await expect(checkDestination(url, network.policy, network.resolve)).resolves.toEqual({
      address: '127.0.0.1',
      family: 4,
    });
    expect(() => parseDestination(`http://127.0.0.1:${port}/hook`, network.policy)).toThrow('must be https');
    const strict = createWebhookNetwork({
      NODE_ENV: 'production',
      WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'false',
      WEBHOOK_NETWORK: 'loopback',
    });
    await expect(checkDestination(url, strict.policy, strict.resolve)).rejects.toThrow(/loopback, private/);
  });
});
