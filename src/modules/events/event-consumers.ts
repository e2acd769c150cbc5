import { commenterMailConsumer } from '../notifications/commenter-mail.consumer';
import { webhookConsumer } from '../webhooks/webhook.consumer';
import type { EventConsumer } from './event-consumer';

/**
 * Every consumer of the event feed, in the order the dispatcher hands events to them. A
 * new consumer is its module's `*.consumer.ts` and one line here.
 */
export const EVENT_CONSUMERS: readonly EventConsumer[] = [webhookConsumer, commenterMailConsumer];
