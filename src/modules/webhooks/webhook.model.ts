import mongoose, { Schema } from 'mongoose';

/** A signing secret; the newest first. An old one keeps signing until `expiresAt` (24 h after a rotation). */
export interface WebhookSecret {
  value: string;
  createdAt: Date;
  expiresAt: Date | null;
}

/**
 * A site's webhook, written by the API only (admin requests). The worker reads it and
 * keeps what it learns from deliveries (failing since, disabled) in WebhookHealth, a
 * document of its own: FerretDB has no transactions and loses one of two concurrent
 * updates of one document, so the API and the worker never write the same one.
 */
export interface WebhookDoc {
  _id: string;
  siteId: string;
  /** One of the site's MAX_WEBHOOKS_PER_SITE places; unique with siteId, so that the limit is a claim, not a count. */
  slot: number;
  url: string;
  events: string[];
  enabled: boolean;
  /** When the admin last enabled it (its creation at first): a disabling by failure older than this no longer counts. */
  enabledAt: Date;
  secrets: WebhookSecret[];
  createdAt: Date;
  updatedAt: Date;
}

const webhookSchema = new Schema<WebhookDoc>(
  {
    _id: { type: String, required: true },
    siteId: { type: String, required: true },
    slot: { type: Number, required: true },
    url: { type: String, required: true },
    events: { type: [String], required: true },
    enabled: { type: Boolean, required: true },
    enabledAt: { type: Date, required: true },
    secrets: {
      type: [{ _id: false, value: String, createdAt: Date, expiresAt: { type: Date, default: null } }],
      required: true,
    },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
webhookSchema.index({ siteId: 1, slot: 1 }, { unique: true });

export const WebhookModel = mongoose.model<WebhookDoc>('Webhook', webhookSchema, 'webhooks');

/**
 * What the workers know of a webhook's receiver, written by the workers only: since when
 * it has failed (cleared by a success), and when it was disabled for failing too long. A
 * disabling counts while it is newer than the webhook's `enabledAt`, so the admin enables
 * it again by PATCHing `enabled: true` without touching this document.
 */
export interface WebhookHealthDoc {
  _id: string;
  siteId: string;
  failingSince: Date | null;
  lastSuccessAt: Date | null;
  disabledAt: Date | null;
}

const healthSchema = new Schema<WebhookHealthDoc>(
  {
    _id: { type: String, required: true },
    siteId: { type: String, required: true },
    failingSince: { type: Date, default: null },
    lastSuccessAt: { type: Date, default: null },
    disabledAt: { type: Date, default: null },
  },
  { versionKey: false },
);

export const WebhookHealthModel = mongoose.model<WebhookHealthDoc>('WebhookHealth', healthSchema, 'webhook_health');

/** True when the workers disabled the webhook for failing and the admin has not enabled it since. */
export function disabledByFailure(webhook: Pick<WebhookDoc, 'enabledAt'>, health: WebhookHealthDoc | null): boolean {
  return !!health?.disabledAt && health.disabledAt.getTime() > webhook.enabledAt.getTime();
}
