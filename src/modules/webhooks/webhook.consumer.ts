import { lookUpSet, onlyDuplicates } from '../../infra/mongo';
import type { EventConsumer } from '../events/event-consumer';
import type { EventDoc } from '../events/event.model';
import { announceDeliveries } from './delivery-signal';
import { releaseSubIfDone } from './erasure-payload';
import { DeliveryDoc, DeliveryModel } from './webhook-delivery.model';
import { disabledByFailure, WebhookHealthModel, WebhookModel } from './webhook.model';
import { deliveryIdOf } from './webhook.service';

/**
 * The webhooks' share of the event feed: one delivery per event and enabled webhook of
 * its site subscribed to its type, under an id derived from both (deliveryIdOf), so an
 * event handed out twice (a retried pass, two workers) makes each delivery once. The
 * delivery loop (webhook-deliverer.ts) sends them; it is woken at once.
 */
export const webhookConsumer: EventConsumer = {
  name: 'webhooks',
  take: async (events: readonly EventDoc[]) => {
    const siteIds = [...new Set(events.map((e) => e.siteId))];
    const webhooks = await lookUpSet(
      siteIds,
      (siteId) => WebhookModel.find({ siteId, enabled: true }, { secrets: 0 }).lean(),
      (ids) => WebhookModel.find({ siteId: { $in: ids }, enabled: true }, { secrets: 0 }).lean(),
    );
    const health = await lookUpSet(
      webhooks.map((w) => w._id),
      (id) => WebhookHealthModel.find({ _id: id }).lean(),
      (ids) => WebhookHealthModel.find({ _id: { $in: ids } }).lean(),
    );
    const healthOf = new Map(health.map((h) => [h._id, h]));
    const live = webhooks.filter((w) => !disabledByFailure(w, healthOf.get(w._id) ?? null));
    const now = new Date();
    const deliveries: DeliveryDoc[] = [];
    for (const event of events)
      for (const webhook of live)
        if (webhook.siteId === event.siteId && webhook.events.includes(event.type))
          deliveries.push({
            _id: deliveryIdOf(event._id, webhook._id),
            webhookId: webhook._id,
            siteId: event.siteId,
            eventId: event._id,
            type: event.type,
            state: 'pending',
            attempts: 0,
            dueAt: now,
            manual: false,
            createdAt: now,
            finishedAt: null,
          });
    if (deliveries.length > 0) {
      try {
        await DeliveryModel.insertMany(deliveries, { ordered: false, lean: true });
      } catch (err) {
        if (!onlyDuplicates(err)) throw err;
      }
      announceDeliveries();
    }
    // An erasure.completed event nobody subscribes to gives its `sub` up now.
    for (const event of events)
      if (event.type === 'erasure.completed' && !deliveries.some((d) => d.eventId === event._id))
        await releaseSubIfDone(event._id, { fannedOut: true });
  },
};
