import type { EventType } from '../events/event-types';
import { WebhookModel } from './webhook.model';

/** True when an enabled webhook of the site subscribes to this type of event. */
export async function anEnabledWebhookSubscribes(siteId: string, type: EventType): Promise<boolean> {
  return !!(await WebhookModel.exists({ siteId, events: type, enabled: true }));
}
