/**
 * Every kind of event the service emits, as the contract names them. An event tells that
 * something happened, with ids and non-personal fields only; the one exception,
 * `erasure.completed`, carries the host's user id (`sub`) so that the host can erase its
 * own copy, and only until it is delivered (see event.model.ts).
 */
export const EVENT_TYPES = [
  'comment.created',
  'comment.held',
  'comment.published',
  'comment.rejected',
  'comment.removed',
  'comment.reported',
  'comment.replied',
  'thread.closed',
  'thread.reopened',
  'commenter.banned',
  'commenter.unbanned',
  'erasure.completed',
  'erasure.overdue',
  'notice.received',
  'notice.decided',
  'appeal.received',
  'appeal.decided',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** A value an event's data may hold: ids, codes, counts, times; never free text from a person. */
export type EventValue = string | number | boolean | null | string[];

export type EventData = Record<string, EventValue>;
