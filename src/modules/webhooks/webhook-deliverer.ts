import type { Services } from '../../container';
import type { Logger } from '../../infra/logger';
import { isDuplicateKey, lookUpSet } from '../../infra/mongo';
import { EventDoc, EventModel } from '../events/event.model';
import { sendToEach } from '../notifications/send-once';
import { mailText } from '../notifications/mail-texts';
import { onDeliveriesDue } from './delivery-signal';
import { releaseFinishedErasureSubs, releaseSubIfDone } from './erasure-payload';
import { DestinationRefused, parseDestination } from './webhook-destination';
import { AttemptModel, AttemptStatus, DeliveryDoc, DeliveryModel } from './webhook-delivery.model';
import { checkedAddressOf } from './webhook-network';
import { PING_TYPE } from './webhook.schemas';
import { disabledByFailure, WebhookDoc, WebhookHealthDoc, WebhookHealthModel, WebhookModel } from './webhook.model';
import { signatureHeader } from './webhook-signature';
import { sendDelivery } from './webhook-send';

export interface DelivererOptions {
  pollMs: number;
  concurrency: number;
  timeoutMs: number;
  retryBaseMs: number;
  maxAttempts: number;
  leaseMs: number;
  disableAfterMs: number;
}

/** Due deliveries fetched at once, and how long such a batch (and what it read of webhooks) is used. */
const FETCH = 200;
const BATCH_FRESH_MS = 1000;

/** What a batch of deliveries needs, read once for the batch. */
interface BatchContext {
  webhooks: Map<string, WebhookDoc>;
  health: Map<string, WebhookHealthDoc>;
  events: Map<string, EventDoc>;
}

/** How often the loop looks for erasure.completed events whose `sub` may go (see erasure-payload.ts). */
const ERASURE_SWEEP_MS = 2000;
/** How often it reads the whole feed for such events, in case a worker stopped before it released one. */
const ERASURE_BACKSTOP_MS = 10 * 60_000;

export function delivererOptions(config: Services['config']): DelivererOptions {
  return {
    pollMs: config.WEBHOOK_POLL_MS,
    concurrency: config.WEBHOOK_CONCURRENCY,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    // A lease shorter than a delivery may take would let a second worker send while the first still waits.
    leaseMs: Math.max(config.WEBHOOK_LEASE_MS, config.WEBHOOK_TIMEOUT_MS + 1000),
    disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS,
  };
}

/** The delay before attempt n + 1 after attempt n failed: base · 2^(n−1). */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return baseMs * 2 ** Math.min(attempt - 1, 20);
}

const ok = (status: AttemptStatus) => typeof status === 'number' && status >= 200 && status < 300;

/**
 * Sends the due webhook deliveries, in the worker: polls every `pollMs` and is woken at
 * once when the fan-out makes deliveries. Each attempt is claimed by inserting its record
 * `<deliveryId>:<n>` (a unique id: of several workers, one makes attempt n); that record is
 * the delivery log's entry. A claimed attempt without a result after its lease belonged to
 * a worker that died, and is taken over as attempt n + 1. Several workers may run this at
 * once.
 */
export class WebhookDeliverer {
  private timer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private fetching: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly inFlight = new Map<string, Promise<void>>();
  private queue: DeliveryDoc[] = [];
  private fetchedAt = 0;
  private context: BatchContext = { webhooks: new Map(), health: new Map(), events: new Map() };
  private readonly stopListening: () => void;

  constructor(
    private readonly services: Services,
    private readonly log: Logger,
    private readonly options: DelivererOptions,
  ) {
    this.stopListening = onDeliveriesDue(() => this.wake());
  }

  start(): void {
    this.schedule(0);
    let lastBackstop = 0; // once soon after start, then every ERASURE_BACKSTOP_MS
    this.sweeper = setInterval(() => {
      const backstop = Date.now() - lastBackstop > ERASURE_BACKSTOP_MS;
      if (backstop) lastBackstop = Date.now();
      this.releaseWaitingSubs(backstop).catch((err: Error) =>
        this.log.warn({ errName: err.name }, 'releasing erasure payloads failed'),
      );
    }, ERASURE_SWEEP_MS);
    this.sweeper.unref();
  }

  /** erasure.completed events whose last delivery finished before the dispatcher marked them dispatched. */
  private readonly subsToRelease = new Set<string>();

  private async releaseWaitingSubs(backstop: boolean): Promise<void> {
    for (const eventId of [...this.subsToRelease])
      if ((await releaseSubIfDone(eventId)) !== 'not yet') this.subsToRelease.delete(eventId);
    if (backstop) await releaseFinishedErasureSubs();
  }

  wake(): void {
    if (this.stopped) return;
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops taking deliveries and waits for those under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopListening();
    clearTimeout(this.timer);
    clearInterval(this.sweeper);
    await this.fetching;
    await Promise.all(this.inFlight.values());
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), ms);
    this.timer.unref();
  }

  private run(): void {
    if (this.stopped || this.fetching) return;
    this.again = false;
    this.fetching = this.takeDue()
      .then(
        (full) => full,
        (err: Error) => {
          this.log.warn({ errName: err.name }, 'webhook delivery pass failed; retrying');
          return false;
        },
      )
      .then((full) => {
        this.fetching = undefined;
        if (!this.stopped) this.schedule(full || this.again ? 0 : this.options.pollMs);
      });
  }

  /**
   * Starts attempts while there is room, from a batch of due deliveries fetched at most
   * FETCH at a time (one query for many attempts, not one per attempt), together with
   * their webhooks, health and events (one query each per batch). A batch older than
   * BATCH_FRESH_MS is fetched again, so what it read of a webhook (a rotated secret, a
   * disabling) is at most that old.
   */
  private async takeDue(): Promise<boolean> {
    if (this.inFlight.size >= this.options.concurrency) return false;
    if (this.queue.length === 0 || Date.now() - this.fetchedAt > BATCH_FRESH_MS) await this.fetch();
    while (this.inFlight.size < this.options.concurrency && this.queue.length > 0) {
      const delivery = this.queue.shift()!;
      if (this.inFlight.has(delivery._id)) continue;
      const attempt = this.attempt(delivery, this.context)
        .catch((err: Error) =>
          this.log.warn({ errName: err.name, deliveryId: delivery._id }, 'webhook delivery attempt failed'),
        )
        .finally(() => {
          this.inFlight.delete(delivery._id);
          this.wake(); // room for the next one
        });
      this.inFlight.set(delivery._id, attempt);
    }
    return false;
  }

  private async fetch(): Promise<void> {
    const due = await DeliveryModel.find({ state: 'pending', dueAt: { $lte: new Date() } })
      .sort({ dueAt: 1 })
      .limit(FETCH)
      .lean();
    this.queue = due.filter((d) => !this.inFlight.has(d._id));
    this.fetchedAt = Date.now();
    const webhookIds = [...new Set(this.queue.map((d) => d.webhookId))];
    const eventIds = [...new Set(this.queue.filter((d) => d.type !== PING_TYPE).map((d) => d.eventId))];
    // Events do not change, but for erasure.completed's `sub` going: those are read again,
    // the others kept from the batch before.
    const known = this.context.events;
    const reuse = (id: string) => known.has(id) && known.get(id)!.type !== 'erasure.completed';
    const toRead = eventIds.filter((id) => !reuse(id));
    const [webhooks, health, events] = await Promise.all([
      lookUpSet(
        webhookIds,
        (id) => WebhookModel.find({ _id: id }).lean(),
        (ids) => WebhookModel.find({ _id: { $in: ids } }).lean(),
      ),
      lookUpSet(
        webhookIds,
        (id) => WebhookHealthModel.find({ _id: id }).lean(),
        (ids) => WebhookHealthModel.find({ _id: { $in: ids } }).lean(),
      ),
      lookUpSet(
        toRead,
        (id) => EventModel.find({ _id: id }).lean(),
        (ids) => EventModel.find({ _id: { $in: ids } }).lean(),
      ),
    ]);
    this.context = {
      webhooks: new Map(webhooks.map((w) => [w._id, w])),
      health: new Map(health.map((h) => [h._id, h])),
      events: new Map([
        ...eventIds.filter(reuse).map((id) => [id, known.get(id)!] as const),
        ...events.map((e) => [e._id, e] as const),
      ]),
    };
  }

  /** One attempt of `d`, if this worker wins its claim. */
  async attempt(d: DeliveryDoc, context: BatchContext): Promise<void> {
    const n = d.attempts + 1;
    const attemptId = `${d._id}:${n}`;
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs);
    if (d.attempts > 0) {
      // The previous attempt, if it never got a result: its worker died, its lease is over.
      await AttemptModel.updateOne(
        { _id: `${d._id}:${d.attempts}`, status: null, leaseUntil: { $lte: now } },
        { $set: { status: 'lost' } },
      );
    }
    try {
      await AttemptModel.create({
        _id: attemptId,
        deliveryId: d._id,
        webhookId: d.webhookId,
        siteId: d.siteId,
        eventId: d.eventId,
        type: d.type,
        attempt: n,
        at: now,
        leaseUntil,
        status: null,
        durationMs: null,
        nextAttemptAt: null,
      });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await this.claimedElsewhere(d, attemptId, now);
      return;
    }
    // Ours: out of the other workers' way until the lease ends.
    await DeliveryModel.updateOne({ _id: d._id, attempts: d.attempts }, { $set: { attempts: n, dueAt: leaseUntil } });

    const webhook = context.webhooks.get(d.webhookId) ?? null;
    const health = context.health.get(d.webhookId) ?? null;
    const started = Date.now();
    let status: AttemptStatus;
    if (!webhook || (!d.manual && (!webhook.enabled || disabledByFailure(webhook, health)))) status = 'cancelled';
    else status = await this.send(d, webhook, context.events.get(d.eventId));
    const durationMs = Date.now() - started;

    const final = ok(status) || status === 'cancelled' || n >= this.options.maxAttempts;
    const nextAttemptAt = final ? null : new Date(Date.now() + retryDelayMs(n, this.options.retryBaseMs));
    await AttemptModel.updateOne({ _id: attemptId }, { $set: { status, durationMs, nextAttemptAt } });
    await this.settle(d._id, n, status, nextAttemptAt);
    this.log.debug({ webhookId: d.webhookId, deliveryId: d._id, attempt: n, status, durationMs }, 'webhook attempt');
    if (webhook && status !== 'cancelled') await this.recordHealth(webhook, health, ok(status), now);
    // A removed webhook's health goes with its last delivery (the API never writes it).
    if (!webhook && health) await WebhookHealthModel.deleteOne({ _id: d.webhookId });
    if (final && d.type === 'erasure.completed' && (await releaseSubIfDone(d.eventId)) === 'not yet')
      this.subsToRelease.add(d.eventId);
  }

  /** Moves the delivery on after attempt n: delivered, failed for good, or due again at nextAttemptAt. */
  private async settle(
    deliveryId: string,
    n: number,
    status: AttemptStatus,
    nextAttemptAt: Date | null,
  ): Promise<void> {
    const state = ok(status) ? 'delivered' : nextAttemptAt ? 'pending' : 'failed';
    await DeliveryModel.updateOne(
      { _id: deliveryId, attempts: n },
      {
        $set: {
          state,
          dueAt: nextAttemptAt ?? new Date(),
          finishedAt: state === 'pending' ? null : new Date(),
        },
      },
    );
  }

  /** Another worker holds attempt n, or held it and died. */
  private async claimedElsewhere(d: DeliveryDoc, attemptId: string, now: Date): Promise<void> {
    const existing = await AttemptModel.findById(attemptId).lean();
    if (!existing) return;
    const n = existing.attempt;
    if (existing.status !== null) {
      // It finished, but its worker died before moving the delivery on: do that now.
      await DeliveryModel.updateOne({ _id: d._id, attempts: d.attempts }, { $set: { attempts: n } });
      await this.settle(d._id, n, existing.status, existing.nextAttemptAt);
      return;
    }
    if (existing.leaseUntil > now) return; // under way
    // Its worker died before taking the delivery: the next pass makes attempt n + 1.
    await AttemptModel.updateOne({ _id: attemptId, status: null }, { $set: { status: 'lost' } });
    await DeliveryModel.updateOne({ _id: d._id, attempts: d.attempts }, { $set: { attempts: n, dueAt: now } });
  }

  /** Builds, signs and POSTs the delivery; the destination is checked again first, and connected to as checked. */
  private async send(d: DeliveryDoc, webhook: WebhookDoc, event: EventDoc | undefined): Promise<AttemptStatus> {
    let payload: { id: string; type: string; createdAt: string; site: string; data: Record<string, unknown> };
    if (d.type === PING_TYPE) {
      payload = {
        id: d.eventId,
        type: PING_TYPE,
        createdAt: d.createdAt.toISOString(),
        site: d.siteId,
        data: { webhookId: webhook._id },
      };
    } else {
      if (!event) return 'cancelled'; // deleted by retention before a redelivery
      payload = {
        id: event._id,
        type: event.type,
        createdAt: event.createdAt.toISOString(),
        site: event.siteId,
        data: event.data,
      };
    }
    const network = this.services.webhookNetwork;
    let url: URL;
    let checked;
    try {
      url = parseDestination(webhook.url, network.policy);
      checked = await checkedAddressOf(url, network);
    } catch (err) {
      if (err instanceof DestinationRefused) {
        this.log.info({ webhookId: webhook._id, problem: err.problem }, 'webhook destination refused');
        return 'refused';
      }
      throw err;
    }
    const body = JSON.stringify(payload);
    const now = new Date();
    const secrets = webhook.secrets.filter((s) => !s.expiresAt || s.expiresAt > now).map((s) => s.value);
    return sendDelivery(
      url,
      checked,
      body,
      {
        'Kommentarer-Event': payload.type,
        'Kommentarer-Delivery': d._id,
        'Kommentarer-Signature': signatureHeader(secrets, body, now),
      },
      this.options.timeoutMs,
    );
  }

  /**
   * Keeps the receiver's health (workers only write it): a success clears `failingSince`,
   * a failure sets it if unset; failing for WEBHOOK_DISABLE_AFTER_MS since then (or since
   * the admin last enabled it) disables the webhook and tells the site's alert contacts once.
   */
  private async recordHealth(
    webhook: WebhookDoc,
    health: WebhookHealthDoc | null,
    succeeded: boolean,
    attemptStarted: Date,
  ): Promise<void> {
    const now = new Date();
    if (succeeded) {
      if (health?.failingSince)
        await WebhookHealthModel.updateOne({ _id: webhook._id }, { $set: { failingSince: null, lastSuccessAt: now } });
      return;
    }
    let failingSince = health?.failingSince ?? null;
    if (!failingSince) {
      failingSince = now;
      await this.upsertHealth(webhook, { failingSince: now });
    }
    const since = Math.max(failingSince.getTime(), webhook.enabledAt.getTime());
    if (now.getTime() - since < this.options.disableAfterMs || disabledByFailure(webhook, health)) return;
    // Read again: an attempt that began before the admin enabled the webhook again does not count.
    const current = await WebhookModel.findById(webhook._id, { enabledAt: 1 }).lean();
    if (!current || current.enabledAt.getTime() > attemptStarted.getTime()) return;
    await this.upsertHealth(webhook, { disabledAt: now });
    this.log.warn({ webhookId: webhook._id, siteId: webhook.siteId }, 'webhook disabled after failing too long');
    await this.tellAlertContacts(webhook, Math.floor((now.getTime() - since) / 3_600_000));
  }

  private async upsertHealth(webhook: WebhookDoc, set: Partial<WebhookHealthDoc>): Promise<void> {
    try {
      await WebhookHealthModel.updateOne(
        { _id: webhook._id },
        { $set: { ...set, siteId: webhook.siteId } },
        { upsert: true },
      );
    } catch (err) {
      // Two workers' first failure at once: the other one's insert won; write over it.
      if (!isDuplicateKey(err)) throw err;
      await WebhookHealthModel.updateOne({ _id: webhook._id }, { $set: set });
    }
  }

  private async tellAlertContacts(webhook: WebhookDoc, failingHours: number): Promise<void> {
    const { mailer, config } = this.services;
    if (!mailer) return;
    const site = await this.services.sites.get(webhook.siteId).catch(() => null);
    if (!site) return;
    const notifications = site.config.notifications;
    const recipients = notifications.alertContacts?.length
      ? notifications.alertContacts
      : notifications.moderators.emails;
    if (recipients.length === 0) return;
    let host = '';
    try {
      host = new URL(webhook.url).host; // never the path or query: they may hold the receiver's own secret
    } catch {
      host = '?';
    }
    try {
      await sendToEach(
        mailer,
        config.IP_HASH_SECRET,
        // Once per enabling: enabled again and disabled again is a new mail.
        { siteId: webhook.siteId, kind: 'webhook_disabled', about: `${webhook._id}:${webhook.enabledAt.getTime()}` },
        recipients,
        mailText(
          { kind: 'webhook_disabled', site: site.config.name, webhookId: webhook._id, host, failingHours },
          site.config.locale,
        ),
      );
    } catch (err) {
      this.log.warn({ errName: (err as Error).name, webhookId: webhook._id }, 'webhook alert mail failed');
    }
  }
}
