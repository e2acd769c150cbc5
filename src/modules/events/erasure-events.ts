import { CommenterModel } from '../commenters/commenter.model';
import { anEnabledWebhookSubscribes } from '../webhooks/webhook-subscriptions';
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
  const wanted = profile ? await anEnabledWebhookSubscribes(request.siteId, 'erasure.completed') : false;
  return {
    type: 'erasure.completed',
    siteId: request.siteId,
    cause: erasureCause(request),
    held: true,
    data: { requestId: String(request._id), ...(wanted && profile ? { sub: profile.sub } : {}) },
  };
}
