import type { AttemptDoc, DeliveryDoc } from './webhook-delivery.model';
import type { WebhookDoc, WebhookHealthDoc } from './webhook.model';
import { disabledByFailure } from './webhook.model';

/** A webhook as the admin API shows it: never its secrets (only when one is made, by the route). */
export function webhookView(webhook: WebhookDoc, health: WebhookHealthDoc | null = null) {
  const disabled = disabledByFailure(webhook, health);
  return {
    id: webhook._id,
    url: webhook.url,
    events: webhook.events,
    enabled: webhook.enabled && !disabled,
    disabledReason: !webhook.enabled ? ('by_admin' as const) : disabled ? ('failing' as const) : null,
    failingSince: health?.failingSince?.toISOString() ?? null,
    createdAt: webhook.createdAt.toISOString(),
    updatedAt: webhook.updatedAt.toISOString(),
  };
}

/** One entry of the delivery log: an attempt. */
export function attemptView(attempt: AttemptDoc) {
  return {
    id: attempt._id,
    deliveryId: attempt.deliveryId,
    eventId: attempt.eventId,
    type: attempt.type,
    attempt: attempt.attempt,
    status: attempt.status,
    durationMs: attempt.durationMs,
    at: attempt.at.toISOString(),
    nextAttemptAt: attempt.nextAttemptAt?.toISOString() ?? null,
  };
}

/** A delivery just asked for (redelivery, ping). */
export function deliveryView(delivery: DeliveryDoc) {
  return { id: delivery._id, eventId: delivery.eventId, type: delivery.type, state: delivery.state };
}
