import type { Services } from '../../container';
import type { Logger } from '../../infra/logger';
import type { EventDoc } from './event.model';

/**
 * Something that acts on the feed's events: webhooks, commenters' mail. The dispatcher
 * hands each ready event to every consumer, and marks it dispatched once all of them have
 * taken it; a consumer that throws gets the same events again on the next pass, so taking
 * an event must be idempotent (keyed by the event id).
 */
export interface EventConsumer {
  readonly name: string;
  take(events: readonly EventDoc[], services: Services, log: Logger): Promise<void>;
}
