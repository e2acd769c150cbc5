/**
 * A hint that events are ready: the dispatcher polls the feed anyway, and this only wakes
 * it sooner. Within a process it is a plain call; container.ts carries it between
 * processes on a Redis channel. Losing a hint (Redis down) delays events, never loses one.
 */
type Listener = () => void;

const listeners = new Set<Listener>();

export function onEventsRecorded(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function announceEvents(): void {
  for (const listener of listeners) listener();
}
