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
export async function releaseSubIfDone(
  eventId: string,
  options: { fannedOut?: boolean } = {},
): Promise<'released' | 'deliveries pending' | 'not yet'> {
  if (await DeliveryModel.exists({ eventId, state: 'pending' })) return 'deliveries pending';
  const filter: Record<string, unknown> = { _id: eventId, type: 'erasure.completed', 'data.sub': { $exists: true } };
  if (!options.fannedOut) filter.state = 'dispatched';
  const result = await EventModel.updateOne(filter, { $unset: { 'data.sub': '' } });
  if (result.modifiedCount > 0) return 'released';
  // Nothing to release (gone already), or the dispatcher has not marked the event yet.
  return (await EventModel.exists({ _id: eventId, 'data.sub': { $exists: true } })) ? 'not yet' : 'released';
}

/**
 * Every erasure.completed event still holding a `sub` although dispatched: those whose
 * last delivery finished before the dispatcher marked them, and whose worker could not
 * come back to them (it stopped). The delivery loop's slow backstop: it reads the events
 * collection, so it runs seldom; the worker retries its own such events every few seconds.
 */
export async function releaseFinishedErasureSubs(): Promise<number> {
  const holding = await EventModel.find(
    { state: 'dispatched', type: 'erasure.completed', 'data.sub': { $exists: true } },
    { _id: 1 },
  )
    .limit(100)
    .lean();
  let released = 0;
  for (const event of holding) if ((await releaseSubIfDone(event._id)) === 'released') released++;
  return released;
}
