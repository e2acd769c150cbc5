import { EventModel } from '../events/event.model';
import { DeliveryModel } from './webhook-delivery.model';

/**
 * `erasure.completed` is the one event carrying the host's user id (`data.sub`), for the
 * host to erase its own copy. It is deleted from the stored event as soon as every
 * delivery of the event has been delivered or has failed for good, or at the fan-out when
 * no webhook subscribes; no delivery record or attempt ever copies it. A redelivery
 * afterwards sends the event without it.
 *
 * `fannedOut`: the caller knows the fan-out is complete (the consumer itself); otherwise
 * the event must be dispatched already, or a delivery of one webhook that finished
 * quickly could release the `sub` before another webhook's delivery was made.
 */
export async function releaseSubIfDone(eventId: string, options: { fannedOut?: boolean } = {}): Promise<boolean> {
  if (await DeliveryModel.exists({ eventId, state: 'pending' })) return false;
  const filter: Record<string, unknown> = { _id: eventId, type: 'erasure.completed', 'data.sub': { $exists: true } };
  if (!options.fannedOut) filter.state = 'dispatched';
  const result = await EventModel.updateOne(filter, { $unset: { 'data.sub': '' } });
  return result.modifiedCount > 0;
}

/**
 * The erasure.completed events still holding a `sub` although dispatched: those whose
 * last delivery finished before the dispatcher marked them. Released here, by the delivery
 * loop's occasional sweep.
 */
export async function releaseFinishedErasureSubs(): Promise<number> {
  const holding = await EventModel.find(
    { state: 'dispatched', type: 'erasure.completed', 'data.sub': { $exists: true } },
    { _id: 1 },
  )
    .limit(100)
    .lean();
  let released = 0;
  for (const event of holding) if (await releaseSubIfDone(event._id)) released++;
  return released;
}
