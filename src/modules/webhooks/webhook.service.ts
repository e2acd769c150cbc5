import { createHash, randomBytes } from 'node:crypto';
import { isDuplicateKey } from '../../infra/mongo';
import { AppError, notFound } from '../../shared/errors';
import { EventModel } from '../events/event.model';
import { announceDeliveries } from './delivery-signal';
import { checkDestination, DestinationRefused, parseDestination } from './webhook-destination';
import { AttemptDoc, AttemptModel, DeliveryDoc, DeliveryModel } from './webhook-delivery.model';
import type { WebhookNetwork } from './webhook-network';
import {
  CreateWebhookBody,
  decodeAttemptCursor,
  DELIVERY_ID,
  encodeAttemptCursor,
  MAX_WEBHOOKS_PER_SITE,
  PatchWebhookBody,
  PING_TYPE,
  WEBHOOK_ID,
} from './webhook.schemas';
import { WebhookDoc, WebhookHealthDoc, WebhookHealthModel, WebhookModel } from './webhook.model';
import { newWebhookSecret } from './webhook-signature';

/** How long the old secret keeps signing after a rotation. */
export const OLD_SECRET_SIGNS_MS = 24 * 3_600_000;

/** The id of the delivery of `eventId` to `webhookId`: the same every time the fan-out makes it. */
export function deliveryIdOf(eventId: string, webhookId: string): string {
  return `whd_${createHash('sha256').update(`${eventId}\n${webhookId}`).digest('hex').slice(0, 24)}`;
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** The admin's side of webhooks: the registry, test pings, the delivery log and redeliveries. */
export class WebhookService {
  constructor(private readonly net: WebhookNetwork) {}

  /** The URL checked as it will be at delivery (name resolution included), or 400 VALIDATION_FAILED naming the problem. */
  private async checkedUrl(raw: string): Promise<string> {
    const network = this.net;
    try {
      const url = parseDestination(raw, network.policy);
      await checkDestination(url, network.policy, network.resolve);
      return url.toString();
    } catch (err) {
      if (!(err instanceof DestinationRefused)) throw err;
      throw new AppError('VALIDATION_FAILED', {
        issues: [{ path: 'url', problem: `refused destination (${err.problem}): ${err.message}` }],
      });
    }
  }

  async create(siteId: string, body: CreateWebhookBody): Promise<{ webhook: WebhookDoc; secret: string }> {
    const url = await this.checkedUrl(body.url);
    const now = new Date();
    const secret = newWebhookSecret();
    const used = new Set((await WebhookModel.find({ siteId }, { slot: 1 }).lean()).map((w) => w.slot));
    // The slot is the claim: two creations at once cannot both take the last one.
    for (let slot = 0; slot < MAX_WEBHOOKS_PER_SITE; slot++) {
      if (used.has(slot)) continue;
      const doc: WebhookDoc = {
        _id: `wh_${randomHex(12)}`,
        siteId,
        slot,
        url,
        events: body.events,
        enabled: body.enabled ?? true,
        enabledAt: now,
        secrets: [{ value: secret, createdAt: now, expiresAt: null }],
        createdAt: now,
        updatedAt: now,
      };
      try {
        await WebhookModel.create(doc);
        return { webhook: doc, secret };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new AppError('CONFLICT', { reason: 'too_many_webhooks', limit: MAX_WEBHOOKS_PER_SITE });
  }

  async list(siteId: string): Promise<Array<{ webhook: WebhookDoc; health: WebhookHealthDoc | null }>> {
    const webhooks = await WebhookModel.find({ siteId }).sort({ createdAt: 1, _id: 1 }).lean();
    const health = await WebhookHealthModel.find({ siteId }).lean();
    const byId = new Map(health.map((h) => [h._id, h]));
    return webhooks.map((webhook) => ({ webhook, health: byId.get(webhook._id) ?? null }));
  }

  async get(siteId: string, id: string): Promise<WebhookDoc> {
    const webhook = WEBHOOK_ID.test(id) ? await WebhookModel.findOne({ _id: id, siteId }).lean() : null;
    if (!webhook) throw notFound('webhook');
    return webhook;
  }

  async health(id: string): Promise<WebhookHealthDoc | null> {
    return WebhookHealthModel.findById(id).lean();
  }

  async patch(siteId: string, id: string, body: PatchWebhookBody): Promise<WebhookDoc> {
    const current = await this.get(siteId, id);
    const now = new Date();
    const set: Partial<WebhookDoc> = { updatedAt: now };
    if (body.url !== undefined) set.url = await this.checkedUrl(body.url);
    if (body.events !== undefined) set.events = body.events;
    if (body.enabled !== undefined) {
      set.enabled = body.enabled;
      // Enabling (again) clears a disabling by failure: it only counts while newer than this.
      if (body.enabled) set.enabledAt = now;
    }
    const updated = await WebhookModel.findOneAndUpdate(
      { _id: current._id, siteId },
      { $set: set },
      { new: true },
    ).lean();
    if (!updated) throw notFound('webhook');
    return updated;
  }

  async remove(siteId: string, id: string): Promise<void> {
    const webhook = await this.get(siteId, id);
    await WebhookModel.deleteOne({ _id: webhook._id });
    // Pending deliveries are finished by the workers (cancelled) when they come due.
  }

  /** A new secret that signs first; the old ones keep signing for 24 hours (those already expiring, until then). */
  async rotateSecret(siteId: string, id: string): Promise<string> {
    const webhook = await this.get(siteId, id);
    const now = new Date();
    const secret = newWebhookSecret();
    const until = new Date(now.getTime() + OLD_SECRET_SIGNS_MS);
    const kept = webhook.secrets
      .filter((s) => !s.expiresAt || s.expiresAt > now)
      .map((s) => ({ ...s, expiresAt: s.expiresAt && s.expiresAt < until ? s.expiresAt : until }));
    await WebhookModel.updateOne(
      { _id: webhook._id },
      { $set: { secrets: [{ value: secret, createdAt: now, expiresAt: null }, ...kept], updatedAt: now } },
    );
    return secret;
  }

  /** A test delivery of type `ping` to this webhook alone (its data: the webhook id); not an event of the feed. */
  async ping(siteId: string, id: string): Promise<DeliveryDoc> {
    const webhook = await this.get(siteId, id);
    return this.insertDelivery(webhook, `evt_ping_${randomHex(12)}`, PING_TYPE);
  }

  /** The same event again, as a new delivery (its own delivery id) with the same event id. */
  async redeliver(siteId: string, id: string, deliveryId: string): Promise<DeliveryDoc> {
    const webhook = await this.get(siteId, id);
    const original = DELIVERY_ID.test(deliveryId)
      ? await DeliveryModel.findOne({ _id: deliveryId, webhookId: webhook._id }).lean()
      : null;
    if (!original) throw notFound('delivery');
    if (original.type !== PING_TYPE && !(await EventModel.exists({ _id: original.eventId }))) throw notFound('event');
    return this.insertDelivery(webhook, original.eventId, original.type);
  }

  private async insertDelivery(webhook: WebhookDoc, eventId: string, type: string): Promise<DeliveryDoc> {
    const now = new Date();
    const doc: DeliveryDoc = {
      _id: `whd_${randomHex(12)}`,
      webhookId: webhook._id,
      siteId: webhook.siteId,
      eventId,
      type,
      state: 'pending',
      attempts: 0,
      dueAt: now,
      manual: true,
      createdAt: now,
      finishedAt: null,
    };
    await DeliveryModel.create(doc);
    announceDeliveries();
    return doc;
  }

  /** The webhook's attempts, newest first, paged by cursor. */
  async attempts(
    siteId: string,
    id: string,
    query: { cursor?: string; limit?: number },
  ): Promise<{ attempts: AttemptDoc[]; nextCursor: string | null }> {
    const webhook = await this.get(siteId, id);
    const limit = query.limit ?? 50;
    const filter: Record<string, unknown> = { webhookId: webhook._id };
    if (query.cursor) {
      const c = decodeAttemptCursor(query.cursor);
      filter.$or = [{ at: { $lt: c.at } }, { at: c.at, _id: { $lt: c.id } }];
    }
    const page = await AttemptModel.find(filter)
      .sort({ at: -1, _id: -1 })
      .limit(limit + 1)
      .lean();
    const more = page.length > limit;
    const attempts = page.slice(0, limit);
    const last = attempts[attempts.length - 1];
    return { attempts, nextCursor: more && last ? encodeAttemptCursor(last.at, last._id) : null };
  }
}
