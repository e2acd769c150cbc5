import mongoose, { Schema } from 'mongoose';
import type { EventData, EventType } from './event-types';

/**
 * Where an event is in the feed:
 * - `held`: written ahead of the change it tells of, not to be sent until the change is
 *   complete (an erasure's event is written before the profile, which holds the `sub`,
 *   is deleted);
 * - `ready`: to be handed to the consumers (webhooks, commenters' mail);
 * - `dispatched`: every consumer has taken it.
 */
export type EventState = 'held' | 'ready' | 'dispatched';

/**
 * One event of the feed, stored before anything is sent: a Redis outage loses none. The id
 * is derived from the cause (see record-events.ts), so the code that makes a change can
 * write its event again after a crash or a retried job and the feed still holds it once.
 */
export interface EventDoc {
  _id: string;
  type: EventType;
  siteId: string;
  createdAt: Date;
  data: EventData;
  state: EventState;
}

const eventSchema = new Schema<EventDoc>(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    siteId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    data: { type: Schema.Types.Mixed, default: {} },
    state: { type: String, enum: ['held', 'ready', 'dispatched'], required: true },
  },
  { versionKey: false, minimize: false },
);
// The dispatcher takes the oldest ready events first.
eventSchema.index({ state: 1, createdAt: 1 });
// Retention deletes old events; a site's feed.
eventSchema.index({ siteId: 1, createdAt: -1 });

export const EventModel = mongoose.model<EventDoc>('Event', eventSchema, 'events');
