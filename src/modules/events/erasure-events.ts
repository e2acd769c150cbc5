import { CommenterModel } from '../commenters/commenter.model';
import { WebhookModel } from '../webhooks/webhook.model';
import type { ErasureRequestDoc } from '../privacy/erasure-request.model';
import type { NewEvent } from './record-events';

export const erasureCause = (request: Pick<ErasureRequestDoc, '_id'>) => `erasure:${String(request._id)}`;

/**
 * `erasure.completed`, held until the request is completed. It carries the host's user id
 * (`sub`) only when one of the site's webhooks is to receive it, since the host needs it
 * to erase its own copy; the webhooks delete it from the event once delivered (or failed
 * for good). Otherwise nothing would ever take it out again.
 */
export async function erasureCompleted(request: ErasureRequestDoc): Promise<NewEvent> {
  const profile = await CommenterModel.findOne({ _id: request.commenterId, siteId: request.siteId }, { sub: 1 }).lean();
  const wanted = profile ? await webhookWantsErasures(request.siteId) : false;
  return {
    type: 'erasure.completed',
    siteId: request.siteId,
    cause: erasureCause(request),
    held: true,
    data: { requestId: String(request._id), ...(wanted && profile ? { sub: profile.sub } : {}) },
  };
}

/** True when an enabled webhook of the site subscribes to `erasure.completed`. */
async function webhookWantsErasures(siteId: string): Promise<boolean> {
  return !!(await WebhookModel.exists({ siteId, events: 'erasure.completed', enabled: true }));
}
