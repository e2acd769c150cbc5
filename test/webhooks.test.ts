import { randomUUID } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { createLogger } from '../src/infra/logger';
import { eventIdOf, recordEvents } from '../src/modules/events/record-events';
import type { EventType } from '../src/modules/events/event-types';
import { EventModel } from '../src/modules/events/event.model';
import { verifySignature } from '../src/modules/webhooks/webhook-signature';
import { WebhookModel } from '../src/modules/webhooks/webhook.model';
import { AttemptModel, DeliveryModel } from '../src/modules/webhooks/webhook-delivery.model';
import { runRetention } from '../src/modules/retention/retention.runner';
import { createSite, eventually, Harness, startHarness, TestSite } from './helpers/harness';
import { mailsTo, mailTo, uniqueAddress } from './helpers/mailpit';
import { WebhookReceiver } from './helpers/webhook-receiver';
import { completed, decided, rawStorage, subject, write } from './helpers/privacy';

/**
 * Webhooks end to end against the real FerretDB and Redis of the test run, a real worker
 * (in this process) and a real HTTP receiver on 127.0.0.1 that answers 500, hangs past
 * the timeout, goes away and comes back. Times are shrunk by the environment.
 */
const logLines: string[] = [];
let h: Harness;
let receiver: WebhookReceiver;

beforeAll(async () => {
  const env = {
    LOG_LEVEL: 'debug',
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_TIMEOUT_MS: '400',
    WEBHOOK_MAX_ATTEMPTS: '5',
    WEBHOOK_LEASE_MS: '200',
    WEBHOOK_POLL_MS: '50',
    WEBHOOK_DISABLE_AFTER_MS: '4000',
    EVENT_POLL_MS: '50',
    SMTP_URL: process.env.SMTP_TEST_URL as string,
  };
  const logger = createLogger('debug', {}, { write: (line: string) => void logLines.push(line) });
  h = await startHarness(env, { logger });
  await h.startWorkers();
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await receiver?.close();
  await h?.close();
});
beforeEach(() => {
  receiver.plan.length = 0;
  receiver.otherwise = 200;
});

const base = (site: TestSite) => `/api/v1/admin/sites/${site.id}/webhooks`;

async function createWebhook(site: TestSite, body: Record<string, unknown> = {}) {
  const res = await h.http
    .post(base(site))
    .set(h.admin)
    .send({ url: receiver.url, events: ['comment.published', 'erasure.completed'], ...body });
  if (res.status !== 201) throw new Error(`webhook not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.webhook as { id: string; url: string; events: string[]; secret: string; createdAt: string };
}

/** Records one event as the cause modules do, and answers its id. */
async function emit(site: TestSite, type: EventType = 'comment.published', data: Record<string, string> = {}) {
  const cause = randomUUID();
  await recordEvents([
    { type, siteId: site.id, cause, data: { commentId: new Types.ObjectId().toHexString(), thread: '/a', ...data } },
  ]);
  return eventIdOf(type, cause);
}

async function deliveries(site: TestSite, id: string, query = '') {
  const res = await h.http.get(`${base(site)}/${id}/deliveries${query}`).set(h.admin);
  expect(res.status).toBe(200);
  return res.body as { deliveries: Array<Record<string, unknown>>; nextCursor: string | null };
}

describe('the webhook registry', () => {
  it('when a webhook is created, listed, changed and removed, then the secret is shown once and the list never shows it', async () => {
    const site = await createSite(h);
    const created = await createWebhook(site, { events: ['comment.published'] });
    expect(created).toEqual({
      id: expect.stringMatching(/^wh_[a-f0-9]{24}$/),
      url: receiver.url,
      events: ['comment.published'],
      enabled: true,
      disabledReason: null,
      failingSince: null,
      secret: expect.stringMatching(/^whsec_/),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const list = await h.http.get(base(site)).set(h.admin);
    expect(list.status).toBe(200);
    expect(list.body.webhooks).toHaveLength(1);
    expect(list.body.webhooks[0]).not.toHaveProperty('secret');
    expect(JSON.stringify(list.body)).not.toContain(created.secret);
    expect(JSON.stringify((await h.http.get(`${base(site)}/${created.id}`).set(h.admin)).body)).not.toContain(
      created.secret,
    );

    const patched = await h.http
      .patch(`${base(site)}/${created.id}`)
      .set(h.admin)
      .send({ events: ['comment.held', 'thread.closed'], enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body.webhook).toMatchObject({
      events: ['comment.held', 'thread.closed'],
      enabled: false,
      disabledReason: 'by_admin',
    });
    expect(patched.body.webhook).not.toHaveProperty('secret');

    expect((await h.http.delete(`${base(site)}/${created.id}`).set(h.admin)).status).toBe(204);
    expect((await h.http.get(`${base(site)}/${created.id}`).set(h.admin)).status).toBe(404);
    expect((await h.http.get(base(site)).set(h.admin)).body.webhooks).toEqual([]);
  });

  it('when the url, the events or the fields are wrong, then the answer is 400 VALIDATION_FAILED and nothing is stored', async () => {
    const site = await createSite(h);
    const bad: Array<Record<string, unknown>> = [
      { url: 'not a url', events: ['comment.published'] },
      { url: 'ftp://127.0.0.1/x', events: ['comment.published'] },
      { url: 'javascript:alert(1)', events: ['comment.published'] },
      { url: 'http://user:pass@127.0.0.1/x', events: ['comment.published'] },
      { url: 'http://127.0.0.1/x#frag', events: ['comment.published'] },
      { url: `http://127.0.0.1/${'a'.repeat(2100)}`, events: ['comment.published'] },
      { url: 'http://hooks.example.com/x', events: ['comment.published'] }, // does not resolve (no DNS in tests)
      { url: receiver.url, events: [] },
      { url: receiver.url, events: ['comment.eaten'] },
      { url: receiver.url, events: ['comment.published', 'comment.published'] },
      { url: receiver.url, events: 'comment.published' },
      { url: receiver.url, events: ['comment.published'], secret: 'mine' },
      { url: 42, events: ['comment.published'] },
      { events: ['comment.published'] },
    ];
    for (const body of bad) {
      const res = await h.http.post(base(site)).set(h.admin).send(body);
      expect({ body, status: res.status, code: res.body.error?.code }).toEqual({
        body,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    expect((await h.http.get(base(site)).set(h.admin)).body.webhooks).toEqual([]);
    expect((await h.http.post(`/api/v1/admin/sites/no-such-site/webhooks`).set(h.admin).send(bad[0])).status).toBe(404);
    for (const path of ['wh_nope', '..%2F..', `wh_${'0'.repeat(24)}`]) {
      const res = await h.http
        .patch(`${base(site)}/${path}`)
        .set(h.admin)
        .send({ enabled: false });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    expect((await h.http.get(base(site))).status).toBe(401);
  });

  it('when a site has 10 webhooks, then an 11th is refused with 409 CONFLICT', async () => {
    const site = await createSite(h);
    await Promise.all(Array.from({ length: 10 }, () => createWebhook(site, { enabled: false })));
    const res = await h.http
      .post(base(site))
      .set(h.admin)
      .send({ url: receiver.url, events: ['comment.held'] });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'CONFLICT', details: { reason: 'too_many_webhooks', limit: 10 } });
  });
});

describe('deliveries', () => {
  it('when an event is recorded, then the receiver gets the documented body and headers, and verifies the signature; a stale timestamp is refused', async () => {
    const site = await createSite(h);
    const webhook = await createWebhook(site);
    const eventId = await emit(site, 'comment.published', { status: 'published' });
    const [got] = await receiver.until(() => receiver.of(eventId).length === 1).then(() => receiver.of(eventId));
    expect(got!.event).toBe('comment.published');
    expect(got!.delivery).toMatch(/^whd_[a-f0-9]{24}$/);
    expect(got!.json).toEqual({
      id: eventId,
      type: 'comment.published',
      createdAt: expect.any(String),
      site: site.id,
      data: { commentId: expect.any(String), thread: '/a', status: 'published' },
    });
    expect(got!.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(got!.signature, webhook.secret, got!.body)).toEqual({
      ok: true,
      timestamp: expect.any(Number),
    });
    expect(verifySignature(got!.signature, webhook.secret, got!.body.replace('published', 'rejected'))).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifySignature(got!.signature, 'whsec_someone-else', got!.body).ok).toBe(false);
    // A recorded delivery sent again ten minutes later: refused on its timestamp.
    expect(verifySignature(got!.signature, webhook.secret, got!.body, new Date(Date.now() + 10 * 60_000))).toEqual({
      ok: false,
      reason: 'stale',
    });
    // Events the webhook did not subscribe to, and other sites' events, are not sent.
    const held = await emit(site, 'comment.held');
    const elsewhere = await emit(await createSite(h));
    const after = await emit(site);
    await receiver.until(() => receiver.of(after).length === 1);
    expect(receiver.of(held)).toEqual([]);
    expect(receiver.of(elsewhere)).toEqual([]);
  });

  it('when the secret is rotated, then both secrets sign until the old one expires, and only the new one after', async () => {
    const site = await createSite(h);
    const webhook = await createWebhook(site);
    const rotated = await h.http.post(`${base(site)}/${webhook.id}/rotate-secret`).set(h.admin);
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).not.toBe(webhook.secret);
    const during = await emit(site);
    const [got] = await receiver.until(() => receiver.of(during).length === 1).then(() => receiver.of(during));
    expect(got!.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifySignature(got!.signature, fresh, got!.body).ok).toBe(true);
    expect(verifySignature(got!.signature, webhook.secret, got!.body).ok).toBe(true);
    // The new one signs first.
    const firstOnly = got!.signature!.split(',').slice(0, 2).join(',');
    expect(verifySignature(firstOnly, fresh, got!.body).ok).toBe(true);

    // 24 hours later (the old secret's expiry moved to the past): the new secret alone.
    await WebhookModel.updateOne({ _id: webhook.id }, { $set: { 'secrets.1.expiresAt': new Date(Date.now() - 1000) } });
    const later = await emit(site);
    const [next] = await receiver.until(() => receiver.of(later).length === 1).then(() => receiver.of(later));
    expect(next!.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(next!.signature, fresh, next!.body).ok).toBe(true);
    expect(verifySignature(next!.signature, webhook.secret, next!.body)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('when the receiver answers 500 twice and then hangs past the timeout, then the event is retried with backoff and delivered; the log shows each attempt', async () => {
    const site = await createSite(h);
    const webhook = await createWebhook(site);
    receiver.plan.push(500, 500, 'hang');
    const eventId = await emit(site);
    await receiver.until(() => receiver.of(eventId).some((r) => r.answered === 200));
    const got = receiver.of(eventId);
    expect(got.map((r) => r.answered)).toEqual([500, 500, undefined, 200]);
    expect(new Set(got.map((r) => r.delivery)).size).toBe(1); // one delivery, four attempts

    const log = await eventually(async () => {
      const page = await deliveries(site, webhook.id);
      return page.deliveries.length === 4 && page.deliveries[0]!.status === 200 ? page : undefined;
    });
    expect(log.deliveries.map((d) => [d.attempt, d.status])).toEqual([
      [4, 200],
      [3, 'timeout'],
      [2, 500],
      [1, 500],
    ]);
    for (const entry of log.deliveries) {
      expect(Object.keys(entry).sort()).toEqual(
        ['at', 'attempt', 'deliveryId', 'durationMs', 'eventId', 'id', 'nextAttemptAt', 'status', 'type'].sort(),
      );
      expect(entry).toMatchObject({ eventId, type: 'comment.published', durationMs: expect.any(Number) });
      expect(entry.id).toBe(`${entry.deliveryId}:${entry.attempt}`);
    }
    const [done, timedOut, second, first] = log.deliveries;
    expect(done!.nextAttemptAt).toBeNull();
    expect(timedOut!.durationMs).toBeGreaterThanOrEqual(350);
    // Exponential: after attempt n the next is due base · 2^(n−1) after it ended (base 100 ms);
    // lower bounds only, since a busy machine only adds to them (2 ms for rounding).
    const delay = (a: Record<string, unknown>) =>
      Date.parse(a.nextAttemptAt as string) - Date.parse(a.at as string) - (a.durationMs as number);
    expect(delay(first!)).toBeGreaterThanOrEqual(98);
    expect(delay(second!)).toBeGreaterThanOrEqual(198);
    expect(delay(timedOut!)).toBeGreaterThanOrEqual(398);

    // Paging, newest first.
    const page1 = await deliveries(site, webhook.id, '?limit=3');
    expect(page1.deliveries).toHaveLength(3);
    const page2 = await deliveries(site, webhook.id, `?limit=3&cursor=${page1.nextCursor}`);
    expect(page2.deliveries.map((d) => d.attempt)).toEqual([1]);
    expect(page2.nextCursor).toBeNull();
    expect((await h.http.get(`${base(site)}/${webhook.id}/deliveries?cursor=nope`).set(h.admin)).status).toBe(400);
  });

  it('when the receiver goes away and comes back, then the event arrives once it is back', async () => {
    const site = await createSite(h);
    await createWebhook(site);
    const before = receiver.received.length;
    await receiver.close();
    const eventId = await emit(site);
    await new Promise((r) => setTimeout(r, 500)); // attempts meet a closed port
    await receiver.listen();
    await receiver.until(() => receiver.of(eventId).some((r) => r.answered === 200));
    expect(receiver.of(eventId)).toHaveLength(1);
    expect(receiver.received.length).toBe(before + 1);
  });

  it('when the receiver fails every attempt, then the delivery is failed after WEBHOOK_MAX_ATTEMPTS and not tried again', async () => {
    const site = await createSite(h);
    const webhook = await createWebhook(site);
    receiver.plan.push(500, 503, 500, 502, 500);
    const eventId = await emit(site);
    const log = await eventually(async () => {
      const page = await deliveries(site, webhook.id);
      return page.deliveries.length === 5 && page.deliveries[0]!.nextAttemptAt === null && page.deliveries[0]!.status
        ? page
        : undefined;
    }, 30_000); // five attempts 0.1 to 0.8 s apart, on a database the whole suite keeps busy
    expect(log.deliveries.map((d) => d.status)).toEqual([500, 502, 500, 503, 500]);
    await new Promise((r) => setTimeout(r, 2000)); // longer than the next wait would be
    expect(receiver.of(eventId)).toHaveLength(5);
  });

  it('when a delivery is redelivered, then the same event id is sent again under a new delivery id', async () => {
    const site = await createSite(h);
    const webhook = await createWebhook(site);
    const eventId = await emit(site);
    await receiver.until(() => receiver.of(eventId).length === 1);
    const [entry] = await eventually(async () =>
      (await deliveries(site, webhook.id)).deliveries[0]?.status
        ? (await deliveries(site, webhook.id)).deliveries
        : undefined,
    );
    const res = await h.http
      .post(`${base(site)}/${webhook.id}/deliveries/${entry!.deliveryId as string}/redeliver`)
      .set(h.admin);
    expect(res.status).toBe(202);
    expect(res.body.delivery).toMatchObject({ eventId, type: 'comment.published', state: 'pending' });
    await receiver.until(() => receiver.of(eventId).length === 2);
    const [first, again] = receiver.of(eventId);
    expect(again!.json).toEqual(first!.json);
    expect(again!.delivery).toBe(res.body.delivery.id);
    expect(again!.delivery).not.toBe(first!.delivery);
    expect(verifySignature(again!.signature, webhook.secret, again!.body).ok).toBe(true);
    expect(
      (await h.http.post(`${base(site)}/${webhook.id}/deliveries/whd_${'0'.repeat(24)}/redeliver`).set(h.admin)).status,
    ).toBe(404);
  });

  it('when the admin asks for a test delivery, then a signed ping reaches this webhook alone', async () => {
    const site = await createSite(h);
    const webhook = await createWebhook(site);
    const other = await createWebhook(site);
    const res = await h.http.post(`${base(site)}/${webhook.id}/test`).set(h.admin);
    expect(res.status).toBe(202);
    const pingId = res.body.delivery.eventId as string;
    const [got] = await receiver.until(() => receiver.of(pingId).length === 1).then(() => receiver.of(pingId));
    expect(got!.event).toBe('ping');
    expect(got!.json).toEqual({
      id: pingId,
      type: 'ping',
      createdAt: expect.any(String),
      site: site.id,
      data: { webhookId: webhook.id },
    });
    expect(verifySignature(got!.signature, webhook.secret, got!.body).ok).toBe(true);
    expect(verifySignature(got!.signature, other.secret, got!.body).ok).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.of(pingId)).toHaveLength(1);
  });

  it('when a webhook keeps failing past WEBHOOK_DISABLE_AFTER_MS, then it is disabled, its alert contacts are mailed once, and enabling it again works', async () => {
    const alerts = uniqueAddress('alerts');
    const site = await createSite(h, { notifications: { alertContacts: [alerts] } });
    const webhook = await createWebhook(site);
    receiver.otherwise = 500;
    const disabled = await eventually(async () => {
      await emit(site);
      const res = await h.http.get(`${base(site)}/${webhook.id}`).set(h.admin);
      return res.body.webhook.enabled === false ? res.body.webhook : undefined;
    }, 20_000);
    expect(disabled).toMatchObject({ enabled: false, disabledReason: 'failing', failingSince: expect.any(String) });
    const mail = await mailTo(alerts);
    expect(mail.subject).toContain('webhook');
    expect(mail.text).toContain(webhook.id);
    expect(mail.text).toContain(`127.0.0.1:${receiver.port}`);
    expect(mail.text).not.toContain('/hooks/kommentarer'); // the path may hold the receiver's own secret
    // Events while disabled are not sent.
    receiver.otherwise = 200;
    const whileDisabled = await emit(site);
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.of(whileDisabled)).toEqual([]);
    expect(await mailsTo(alerts)).toHaveLength(1);

    const enabled = await h.http
      .patch(`${base(site)}/${webhook.id}`)
      .set(h.admin)
      .send({ enabled: true });
    expect(enabled.body.webhook).toMatchObject({ enabled: true, disabledReason: null });
    const after = await emit(site);
    await receiver.until(() => receiver.of(after).some((r) => r.answered === 200));
    // Removed: its retries still pending are cancelled, not sent.
    expect((await h.http.delete(`${base(site)}/${webhook.id}`).set(h.admin)).status).toBe(204);
  });
});

describe('erasure.completed and personal data', () => {
  it("when erasure.completed is delivered, then the receiver gets the sub, and afterwards no event, delivery record, attempt or log line holds the subject's sub, name or e-mail", async () => {
    const site = await createSite(h);
    const webhook = await createWebhook(site, { events: ['erasure.completed'] });
    const subject = { sub: `host-user-${randomUUID()}`, name: 'Greta Raderad', email: uniqueAddress('greta') };
    const requestId = new Types.ObjectId().toHexString();
    const cause = randomUUID();
    await recordEvents([{ type: 'erasure.completed', siteId: site.id, cause, data: { requestId, sub: subject.sub } }]);
    const eventId = eventIdOf('erasure.completed', cause);
    await receiver.until(() => receiver.of(eventId).some((r) => r.answered === 200));
    expect(receiver.of(eventId).at(-1)!.json.data).toEqual({ requestId, sub: subject.sub });
    await eventually(async () => {
      const event = await EventModel.findById(eventId).lean();
      return event && !('sub' in event.data) ? event : undefined;
    });
    expect((await EventModel.findById(eventId).lean())!.data).toEqual({ requestId });

    // Redelivered afterwards: the event again, without the sub.
    const entry = (await deliveries(site, webhook.id)).deliveries[0]!;
    await h.http.post(`${base(site)}/${webhook.id}/deliveries/${entry.deliveryId as string}/redeliver`).set(h.admin);
    await receiver.until(() => receiver.of(eventId).length === 2);
    expect(receiver.of(eventId).at(-1)!.json.data).toEqual({ requestId });

    const db = mongoose.connection.db!;
    for (const collection of ['events', 'webhooks', 'webhook_health', 'webhook_deliveries', 'webhook_attempts']) {
      const raw = JSON.stringify(await db.collection(collection).find({}).toArray());
      for (const value of [subject.sub, subject.name, subject.email])
        expect({ collection, holds: raw.includes(value) }).toEqual({ collection, holds: false });
    }
    const logs = logLines.join('\n');
    expect(logs).toContain('webhook attempt'); // the delivery loop did log, at debug
    expect(logs).not.toContain(subject.sub);
    expect(logs).not.toContain('/hooks/kommentarer');
  });

  it("when a real erasure completes on a site whose webhook subscribes, then the receiver gets the sub, and afterwards the raw scan of every collection and Redis key finds none of the subject's identifiers", async () => {
    const site = await createSite(h);
    await createWebhook(site, { events: ['erasure.completed', 'comment.published', 'comment.removed'] });
    const s = subject();
    const commentId = await write(h, site, s.claims, s.ip, 'Ett inlägg som ska raderas');
    await decided(commentId);
    expect(await rawStorage(h)).toContain(s.claims.sub);
    const res = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s.claims));
    expect(res.status).toBe(202);
    await completed(res.body.id);

    const erased = await eventually(
      () => EventModel.findOne({ siteId: site.id, type: 'erasure.completed' }).lean(),
      30_000,
    );
    await receiver.until(() => receiver.of(erased._id).some((r) => r.answered === 200), 60_000);
    expect(receiver.of(erased._id).at(-1)!.json.data).toEqual({ requestId: res.body.id, sub: s.claims.sub });
    // The comment's own events went too, holding its id only.
    const removed = await eventually(
      () => EventModel.findOne({ siteId: site.id, type: 'comment.removed' }).lean(),
      30_000,
    );
    expect(removed.data).toMatchObject({ commentId, by: 'erasure' });
    await eventually(async () => !('sub' in ((await EventModel.findById(erased._id).lean())?.data ?? {})), 30_000);
    const storage = await rawStorage(h);
    for (const value of [s.claims.sub, s.claims.name, s.claims.email]) expect(storage).not.toContain(value);
    expect(logLines.join('\n')).not.toContain(s.claims.sub);
  }, 120_000); // an erasure and its deliveries, on a database the whole suite keeps busy

  it('when no webhook subscribes to erasure.completed, then its sub is deleted at the fan-out', async () => {
    const site = await createSite(h);
    await createWebhook(site, { events: ['comment.published'] });
    const cause = randomUUID();
    await recordEvents([
      { type: 'erasure.completed', siteId: site.id, cause, data: { requestId: 'r1', sub: 'host-user-x' } },
    ]);
    const eventId = eventIdOf('erasure.completed', cause);
    await eventually(async () => {
      const event = await EventModel.findById(eventId).lean();
      return event?.state === 'dispatched' && !('sub' in event.data);
    }, 30_000);
  });
});

describe('retention of the delivery log', () => {
  it('when attempts, finished deliveries and dispatched events are older than WEBHOOK_RETENTION_DAYS, then retention deletes them and keeps newer and pending ones', async () => {
    const old = new Date(Date.now() - 31 * 86_400_000);
    const tag = randomUUID().replace(/-/g, '').slice(0, 24);
    const delivery = (id: string, state: 'pending' | 'delivered', createdAt: Date) => ({
      _id: id,
      webhookId: `wh_${tag}`,
      siteId: 'retention-site',
      eventId: `evt_${tag}`,
      type: 'comment.published',
      state,
      attempts: 1,
      dueAt: new Date(Date.now() + 86_400_000), // not due: the running worker leaves it alone
      manual: false,
      createdAt,
      finishedAt: null,
    });
    await DeliveryModel.insertMany([
      delivery(`whd_old_${tag}`, 'delivered', old),
      delivery(`whd_pending_${tag}`, 'pending', old),
      delivery(`whd_new_${tag}`, 'delivered', new Date()),
    ]);
    const attempt = (id: string, at: Date) => ({
      _id: id,
      deliveryId: `whd_old_${tag}`,
      webhookId: `wh_${tag}`,
      siteId: 'retention-site',
      eventId: `evt_${tag}`,
      type: 'comment.published',
      attempt: 1,
      at,
      leaseUntil: at,
      status: 200,
      durationMs: 3,
      nextAttemptAt: null,
    });
    await AttemptModel.insertMany([attempt(`old:${tag}`, old), attempt(`new:${tag}`, new Date())]);
    await EventModel.insertMany([
      {
        _id: `evt_old_${tag}`,
        type: 'comment.published',
        siteId: 'retention-site',
        createdAt: old,
        data: {},
        state: 'dispatched',
      },
      {
        _id: `evt_ready_${tag}`,
        type: 'comment.published',
        siteId: 'retention-site',
        createdAt: old,
        data: {},
        state: 'held',
      },
    ]);
    const counts = await runRetention([], h.services.logger, new Date(), { webhookRetentionDays: 30 });
    expect(counts.webhookRecordsDeleted).toBeGreaterThanOrEqual(2);
    expect(counts.eventsDeleted).toBeGreaterThanOrEqual(1);
    expect(await DeliveryModel.exists({ _id: `whd_old_${tag}` })).toBeNull();
    expect(await DeliveryModel.exists({ _id: `whd_pending_${tag}` })).not.toBeNull();
    expect(await DeliveryModel.exists({ _id: `whd_new_${tag}` })).not.toBeNull();
    expect(await AttemptModel.exists({ _id: `old:${tag}` })).toBeNull();
    expect(await AttemptModel.exists({ _id: `new:${tag}` })).not.toBeNull();
    expect(await EventModel.exists({ _id: `evt_old_${tag}` })).toBeNull();
    expect(await EventModel.exists({ _id: `evt_ready_${tag}` })).not.toBeNull();
    await DeliveryModel.deleteMany({ webhookId: `wh_${tag}` });
    await AttemptModel.deleteMany({ webhookId: `wh_${tag}` });
    await EventModel.deleteMany({ _id: `evt_ready_${tag}` });
  });
});
