import mongoose, { Schema } from 'mongoose';

/**
 * One event to one webhook. Its id is derived from the event and the webhook (see
 * deliveryIdOf), so the fan-out inserting it twice stores it once; a redelivery or a test
 * ping is a delivery of its own. Written by the API only when it is created; from then on
 * by the worker that holds its current attempt. No body, no data: the payload is read
 * from the event when it is sent.
 */
export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface DeliveryDoc {
  _id: string;
  webhookId: string;
  siteId: string;
  eventId: string;
  type: string;
  state: DeliveryState;
  /** Attempts claimed so far; the next one is attempts + 1. */
  attempts: number;
  /** When the next attempt is due (while pending); during an attempt, when its lease ends. */
  dueAt: Date;
  /** Asked for by the admin (a redelivery or a ping): sent even while the webhook is disabled. */
  manual: boolean;
  createdAt: Date;
  finishedAt: Date | null;
}

const deliverySchema = new Schema<DeliveryDoc>(
  {
    _id: { type: String, required: true },
    webhookId: { type: String, required: true },
    siteId: { type: String, required: true },
    eventId: { type: String, required: true },
    type: { type: String, required: true },
    state: { type: String, enum: ['pending', 'delivered', 'failed'], required: true },
    attempts: { type: Number, required: true },
    dueAt: { type: Date, required: true },
    manual: { type: Boolean, default: false },
    createdAt: { type: Date, required: true },
    finishedAt: { type: Date, default: null },
  },
  { versionKey: false },
);
// The delivery loop takes due pending deliveries; the erasure check looks for an event's open ones.
deliverySchema.index({ state: 1, dueAt: 1 });
deliverySchema.index({ eventId: 1 });
deliverySchema.index({ createdAt: 1 });

export const DeliveryModel = mongoose.model<DeliveryDoc>('WebhookDelivery', deliverySchema, 'webhook_deliveries');

/**
 * What an attempt ended with: the receiver's HTTP status, or `timeout`, `error` (no
 * answer: connection refused or reset), `refused` (the destination failed its check, no
 * connection made), `lost` (the worker died; another took the delivery over), `cancelled`
 * (the webhook was removed or disabled); null while under way.
 */
export type AttemptStatus = number | 'timeout' | 'error' | 'refused' | 'lost' | 'cancelled' | null;

/**
 * One attempt of a delivery, and the delivery log's entry for it. Its id
 * `<deliveryId>:<n>` is the claim: the worker that inserts it makes attempt n, no other.
 * It holds the event id, type, status, duration and next attempt only: no body, no
 * headers, no personal data.
 */
export interface AttemptDoc {
  _id: string;
  deliveryId: string;
  webhookId: string;
  siteId: string;
  eventId: string;
  type: string;
  attempt: number;
  at: Date;
  leaseUntil: Date;
  status: AttemptStatus;
  durationMs: number | null;
  nextAttemptAt: Date | null;
}

const attemptSchema = new Schema<AttemptDoc>(
  {
    _id: { type: String, required: true },
    deliveryId: { type: String, required: true },
    webhookId: { type: String, required: true },
    siteId: { type: String, required: true },
    eventId: { type: String, required: true },
    type: { type: String, required: true },
    attempt: { type: Number, required: true },
    at: { type: Date, required: true },
    leaseUntil: { type: Date, required: true },
    status: { type: Schema.Types.Mixed, default: null },
    durationMs: { type: Number, default: null },
    nextAttemptAt: { type: Date, default: null },
  },
  { versionKey: false },
);
// A webhook's log, newest first; retention by age.
attemptSchema.index({ webhookId: 1, at: -1, _id: -1 });
attemptSchema.index({ at: 1 });

export const AttemptModel = mongoose.model<AttemptDoc>('WebhookAttempt', attemptSchema, 'webhook_attempts');
