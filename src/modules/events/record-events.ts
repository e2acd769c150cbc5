import { createHash } from 'node:crypto';
import type { Types } from 'mongoose';
import { onlyDuplicates } from '../../infra/mongo';
import { announceEvents } from './event-signal';
import type { EventData, EventType } from './event-types';
import { EventModel, EventState } from './event.model';

export interface NewEvent {
  type: EventType;
  siteId: string;
  /**
   * What caused the event, unique to it: a moderation log claim, a comment id and
   * revision, an erasure request. The event's id is derived from it, so writing the same
   * cause's event twice (a retried job, a rerun after a crash) stores it once.
   */
  cause: string;
  data: EventData;
  /** An event written ahead of its change stays held until releaseEvent(). */
  held?: boolean;
}

/** The event id of a cause: `evt_` and 24 hex digits of its SHA-256 (the cause itself may name internal keys). */
/**
 * The cause of an event that follows a moderation log entry (a ban, a thread closed, a
 * notice or an appeal): the entry's id, so a retry that finds its entry emits the same event.
 */
export function logCause(entry: { _id: Types.ObjectId }): string {
  return `log:${String(entry._id)}`;
}

export function eventIdOf(type: EventType, cause: string): string {
  return `evt_${createHash('sha256').update(`${type}\n${cause}`).digest('hex').slice(0, 24)}`;
}

/**
 * Stores events in one insert; those stored already (same type and cause) are left as they
 * are. Called by the code that made the change, right after it, so that no second path
 * can forget one. Throws on any other failure: the caller's job is retried and writes
 * them again.
 */
export async function recordEvents(events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const now = new Date();
  const docs = events.map((e) => ({
    _id: eventIdOf(e.type, e.cause),
    type: e.type,
    siteId: e.siteId,
    createdAt: now,
    data: e.data,
    state: (e.held ? 'held' : 'ready') as EventState,
  }));
  try {
    await EventModel.insertMany(docs, { ordered: false, lean: true });
  } catch (err) {
    if (!onlyDuplicates(err)) throw err;
  }
  if (docs.some((d) => d.state === 'ready')) announceEvents();
}

/** Lets a held event go to the consumers (its change is complete); a no-op when it already went. */
export async function releaseEvent(type: EventType, cause: string): Promise<void> {
  await EventModel.updateOne({ _id: eventIdOf(type, cause), state: 'held' }, { $set: { state: 'ready' } });
  announceEvents();
}
