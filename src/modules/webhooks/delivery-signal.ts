/**
 * "Deliveries are due": the fan-out (and, in a process that runs both, the API's
 * redeliveries and pings) wakes the delivery loop at once instead of at its next poll.
 * Within a process only; other workers find them by polling (WEBHOOK_POLL_MS).
 */
type Listener = () => void;

const listeners = new Set<Listener>();

export function onDeliveriesDue(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function announceDeliveries(): void {
  for (const listener of listeners) listener();
}
